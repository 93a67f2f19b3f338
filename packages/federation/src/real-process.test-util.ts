/**
 * Waiting helpers for the tests that run real processes and sockets (etcd, SWIM on
 * loopback): a reactor's clock, a wait for a state bounded generously (never an assertion
 * on speed), and a free loopback port.
 */
import { createServer } from 'node:net';
import { NodeReactor } from '@pd/runtime';

export const reactor = new NodeReactor();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => reactor.setTimer(ms, resolve));

/** Polls `condition` every 50 ms; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const start = reactor.now();
  while (!(await condition())) {
    if (reactor.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A loopback TCP port free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
