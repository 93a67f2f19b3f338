import { Actor, PdError, type Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

class Payments extends Actor<string> {
  started(ctx: Context<string>): void {
    ctx.spawn({ receive: () => {} }, { name: 'ledger' }); // a named child
    ctx.registerPath('/svc/payment/processor'); // a path in the registry's tree
  }
  receive(msg: string): string {
    return `paid ${msg}`;
  }
}

export async function main(): Promise<Record<string, unknown>> {
  const engine = createEngine();
  const payments = engine.spawn(Payments, { name: 'payments', register: 'payments' });
  await engine.idle(); // let `started` run

  const found = {
    path: engine.info(payments)?.path, // its place in the actor tree
    children: engine.info(payments)?.children,
    byName: engine.registry.whereis('payments') === payments,
    byPath: engine.registry.whereisPath('/svc/payment/processor') === payments,
    underSvc: engine.registry.children('/svc').map((entry) => entry.path),
  };

  const refused = (spawn: () => unknown): string => {
    try {
      spawn();
      return 'spawned';
    } catch (error) {
      return (error as PdError).code;
    }
  };
  const errors = {
    sameName: refused(() => engine.spawn(Payments, { register: 'payments' })),
    badName: refused(() => engine.spawn(Payments, { name: 'no spaces' })),
  };

  engine.stop(payments);
  const watcher = engine.client();
  watcher.monitor(payments);
  await watcher.receive({ timeoutMs: 1000 });
  const afterExit = engine.registry.whereis('payments'); // names die with their actor

  console.log(found, errors, afterExit);
  await engine.shutdown();
  return { ...found, ...errors, afterExit };
}
