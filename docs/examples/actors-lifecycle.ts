import { Actor, Exit, describeExit, type Context, type ExitReason } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<string[]> {
  const log: string[] = [];

  class Connection extends Actor<string> {
    started(ctx: Context<string>): void {
      log.push(`started at ${ctx.path}`); // runs before the first message
    }
    receive(msg: string): void {
      log.push(`handled ${msg}`);
    }
    stopping(reason: ExitReason): void {
      log.push(`stopping: ${describeExit(reason)}`); // release resources here
    }
  }

  const engine = createEngine();
  const watcher = engine.client();
  const conn = engine.spawn(Connection, { name: 'conn' });
  watcher.monitor(conn);

  await engine.ask(conn, 'hello'); // answered once handled
  engine.stop(conn, Exit.shutdown('maintenance'));
  await watcher.receive({ timeoutMs: 1000 }); // the Down: it has exited

  console.log(log);
  // [ 'started at /user/conn', 'handled hello', 'stopping: shutdown: maintenance' ]
  await engine.shutdown();
  return log;
}
