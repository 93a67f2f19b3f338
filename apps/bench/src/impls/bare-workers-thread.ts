/**
 * One thread of the bare-v8-workers peer (./bare-workers.ts): on each `{ pairs, per }` it
 * plays `pairs` ping-pong pairs of `per` round trips on its own bare-V8 system (the pinger
 * sends a `{ k, from }` ball, the ponger returns `k`, as pd-multi's pairs do), then answers
 * with the number of round trips played.
 */
import { parentPort } from 'node:worker_threads';
import { type BareActor, BareSystem } from './bare.js';

interface Ball {
  readonly k: number;
  readonly from: BareActor<number>;
}

function play(pairs: number, per: number): Promise<number> {
  const sys = new BareSystem();
  let left = pairs;
  return new Promise<number>((resolve) => {
    const serves: (() => void)[] = [];
    for (let i = 0; i < pairs; i++) {
      const pong = sys.spawn<Ball>({ receive: (m) => sys.send(m.from, m.k) });
      const ping: BareActor<number> = sys.spawn<number>({
        receive: (k) => {
          if (k !== per) sys.send<Ball>(pong, { k: k + 1, from: ping });
          else if (--left === 0) resolve(per * pairs);
        },
      });
      serves.push(() => sys.send<Ball>(pong, { k: 1, from: ping }));
    }
    for (const serve of serves) serve();
  });
}

const port = parentPort!;
port.on('message', (m: { pairs: number; per: number }) => {
  void play(m.pairs, m.per).then((n) => port.postMessage(n));
});
port.postMessage('ready');
