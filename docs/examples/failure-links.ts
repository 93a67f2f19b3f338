import { Actor, Down, ExitSignal, describeExit, type Addr, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

/** Links itself to `peer` when it starts; reports trapped exits to `report`. */
class Partner extends Actor<ExitSignal> {
  constructor(private readonly opts: { peer: Addr<unknown>; report: Addr<string>; trap: boolean }) {
    super();
  }
  started(ctx: Context<ExitSignal>): void {
    ctx.trapExits(this.opts.trap);
    ctx.link(this.opts.peer);
  }
  receive(signal: ExitSignal, ctx: Context<ExitSignal>): void {
    ctx.send(this.opts.report, `trapped ${describeExit(signal.reason)}`);
  }
}

export async function main(): Promise<{ plain: string; trapped: string; killed: string }> {
  const engine = createEngine();
  const inbox = engine.client<string | Down>();
  const worker = engine.spawn({ receive: (): void => { throw new Error('disk full'); } });
  const plain = engine.spawn(Partner, { args: { peer: worker, report: inbox.self, trap: false } });
  const guard = engine.spawn(Partner, { args: { peer: worker, report: inbox.self, trap: true } });
  inbox.monitor(plain);
  inbox.monitor(guard);
  await engine.idle(); // both have linked

  engine.send(worker, 'go');
  const isDown = (m: unknown): m is Down => m instanceof Down;
  const plainDown = await inbox.receive({ match: isDown, timeoutMs: 1000 }); // died with the worker
  const trapped = await inbox.receive({ match: (m): m is string => typeof m === 'string', timeoutMs: 1000 });

  engine.kill(guard); // kill cannot be trapped
  const guardDown = await inbox.receive({ match: isDown, timeoutMs: 1000 });

  const result = { plain: describeExit(plainDown.reason), trapped, killed: describeExit(guardDown.reason) };
  console.log(result);
  // { plain: 'error: Error: disk full', trapped: 'trapped error: Error: disk full', killed: 'killed' }
  await engine.shutdown();
  return result;
}
