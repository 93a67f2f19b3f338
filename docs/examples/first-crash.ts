import { Down, describeExit } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ reason: string; sendAfter: string; stillRunning: string }> {
  const engine = createEngine();
  const fragile = engine.spawn({
    receive(msg: 'ping' | 'boom') {
      if (msg === 'boom') throw new Error('boom');
      return 'pong';
    },
  });

  // A client lets code outside any actor watch, send and receive.
  const watcher = engine.client();
  watcher.monitor(fragile);
  engine.send(fragile, 'boom');

  const down = await watcher.receive<Down>({ timeoutMs: 1000 });
  const reason = describeExit(down.reason);
  console.log(reason); // error: Error: boom

  // The crash ended that actor only: its address is dead, the engine runs on.
  const sendAfter = engine.send(fragile, 'ping');
  console.log(sendAfter); // dead
  const stillRunning = engine.status;

  watcher.close();
  await engine.shutdown();
  return { reason, sendAfter, stillRunning };
}
