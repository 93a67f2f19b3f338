import type { Addr, Context } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type Ping = { type: 'ping'; replyTo: Addr<Pong> };
type Pong = { type: 'pong'; from: string };
type Admin = { type: 'reset' };

export async function main(): Promise<Pong> {
  const engine = createEngine();
  // This actor accepts pings and admin messages.
  const server: Addr<Ping | Admin> = engine.spawn({
    receive(msg: Ping | Admin, ctx: Context<Ping | Admin>) {
      if (msg.type === 'ping') ctx.send(msg.replyTo, { type: 'pong', from: ctx.path });
    },
  });

  // Contravariance: an address that accepts more may be handed out as one that accepts
  // less. Give clients a Ping-only capability; they cannot send `reset` through it.
  const pingOnly: Addr<Ping> = server;
  const me = engine.client<Pong>();
  engine.send(pingOnly, { type: 'ping', replyTo: me.self });

  const compileErrors = (): void => {
    // @ts-expect-error: a Ping-only address does not accept Admin messages
    engine.send(pingOnly, { type: 'reset' });
    // @ts-expect-error: the other way round is unsafe, so it does not compile
    const widened: Addr<Ping | Admin> = pingOnly;
    void widened;
  };
  void compileErrors;

  const pong = await me.receive({ timeoutMs: 1000 });
  console.log(pong); // { type: 'pong', from: '/user/$1' }
  await engine.shutdown();
  return pong;
}
