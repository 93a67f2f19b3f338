import { Actor, describeExit, type Context, type ExitReason } from '@pd/actor';
import { createEngine, type ShutdownReport } from '@pd/runtime';

export async function main(): Promise<{ log: string[]; report: ShutdownReport }> {
  const log: string[] = [];

  /** A node of a small tree: spawns its children, logs when it stops. */
  class Service extends Actor<never> {
    constructor(private readonly spec: { name: string; children?: string[] }) {
      super();
    }
    started(ctx: Context<never>): void {
      for (const name of this.spec.children ?? []) ctx.spawn(Service, { name, args: { name } });
    }
    receive(): void {}
    stopping(reason: ExitReason): void {
      log.push(`${this.spec.name} (${describeExit(reason)})`);
    }
  }

  const engine = createEngine();
  engine.spawn(Service, { name: 'app', args: { name: 'app', children: ['db', 'web'] } });
  // A stop hook that never finishes: the deadline ends it.
  engine.spawn({ receive() {}, stopping: () => new Promise<void>(() => {}) }, { name: 'stuck' });
  await engine.idle();

  const report = await engine.shutdown({ deadlineMs: 200 });
  console.log(log, report);
  // [ 'web (shutdown: parent-exiting)', 'db (shutdown: parent-exiting)',
  //   'app (shutdown: engine-shutdown)' ] { stopped: 3, killed: 1 }
  return { log, report };
}
