import { type Addr, PdError } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<{ forged: string; sameSlot: boolean; stale: string; reachedNew: number }> {
  const engine = createEngine();
  let reachedNew = 0;
  const first = engine.spawn({ receive: (_msg: string) => {} });

  // A look-alike object is not an address: the engine refuses it with a typed error.
  const lookAlike = { ...first } as unknown as Addr<string>;
  let forged = '';
  try {
    engine.send(lookAlike, 'hi');
  } catch (error) {
    forged = (error as PdError).code;
  }
  console.log(forged); // send/not-an-address

  // Stop the first actor; the next spawn reuses its slot with a new generation.
  const watcher = engine.client();
  watcher.monitor(first);
  engine.stop(first);
  await watcher.receive({ timeoutMs: 1000 });
  const second = engine.spawn({ receive: (_msg: string) => void reachedNew++ });
  const sameSlot = second.slot === first.slot && second.generation !== first.generation;

  // The stale address reaches nobody: the message is a dead letter, not the new actor's.
  const stale = engine.send(first, 'hi');
  await engine.idle();
  console.log(String(first), String(second), stale, reachedNew); // e.g. <…0.1> <…0.2> dead 0
  await engine.shutdown();
  return { forged, sameSlot, stale, reachedNew };
}
