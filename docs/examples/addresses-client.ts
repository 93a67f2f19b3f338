import { PdError, type Addr } from '@pd/actor';
import { createEngine } from '@pd/runtime';

type Quote = { symbol: string; replyTo: Addr<Price> };
type Price = { symbol: string; cents: number };

export async function main(): Promise<{ price: Price; timeout: string; afterClose: string }> {
  const engine = createEngine();
  const prices = new Map([['ACME', 1234]]);
  const quotes = engine.spawn({
    receive(msg: Quote, ctx) {
      const cents = prices.get(msg.symbol);
      if (cents !== undefined) ctx.send(msg.replyTo, { symbol: msg.symbol, cents });
      // unknown symbols get no answer at all
    },
  });

  // A client is an address for code that is not an actor: a request handler, a test.
  const client = engine.client<Price>();
  engine.send(quotes, { symbol: 'ACME', replyTo: client.self });
  const price = await client.receive({ timeoutMs: 1000 });

  engine.send(quotes, { symbol: 'NOPE', replyTo: client.self });
  const timeout = await client.receive({ timeoutMs: 20 }).then(
    () => 'answered',
    (error: PdError) => error.code, // receive/timeout
  );

  client.close(); // its address is dead from now on
  const afterClose = engine.send(client.self, { symbol: 'ACME', cents: 1 });
  console.log(price, timeout, afterClose); // { symbol: 'ACME', cents: 1234 } receive/timeout dead
  await engine.shutdown();
  return { price, timeout, afterClose };
}
