import { type Context, defineKind } from '@pd/actor';
import { type Engine, type StableAddr, createEngine, createStableAddr, startSupervisor } from '@pd/runtime';

/** A flaky dependency (a database server, say): it refuses the first four connections. */
const server = {
  attempts: 0,
  connect() {
    if (++server.attempts <= 4) throw new Error('ECONNREFUSED');
    return { query: (table: string) => `3 rows from ${table}` };
  },
};

/** Holds the connection. Connecting in `started` means a refused connection is a crash. */
const Db = defineKind<string>('db', () => {
  let conn: { query(table: string): string };
  return {
    started: () => {
      conn = server.connect();
    },
    receive: (table: string) => conn.query(table),
  };
});

/** Answers requests with the database's help, through the database's stable address. */
const Api = defineKind<string, { db: StableAddr<string> }>('api', ({ db }) => ({
  receive: (table: string, ctx: Context<string>) => ctx.ask(db, table),
}));

export async function main(engine: Engine = createEngine()) {
  server.attempts = 0;
  const log: string[] = [];
  engine.events.subscribe((e) => e.type === 'supervisor' && log.push(`${e.action} ${e.child || e.supervisor}`), ['supervisor']);

  // Made first, so the api can be given it; it follows the db across restarts.
  const db = createStableAddr<string>(engine);
  const tree = startSupervisor(engine, {
    strategy: 'one-for-one',
    intensity: 5,
    periodMs: 1000,
    backoff: { initialMs: 10, factor: 2, maxMs: 200, jitter: 0 },
    children: [
      { id: 'db', kind: Db, stable: db },
      { id: 'api', kind: Api, args: { db } },
    ],
  }, { name: 'app' });

  // Asked while the db cannot connect: the request waits in the db's stable address
  // (10 + 20 + 40 + 80 ms of backoff) and is answered by the incarnation that connects.
  const answer = await engine.ask(tree.stableAddr<string>('api'), 'orders');
  const [dbInfo, apiInfo] = await tree.whichChildren();
  await engine.shutdown();
  return { answer, dbRestarts: dbInfo!.restarts, apiRestarts: apiInfo!.restarts, log };
}
