/**
 * The far side of the postMessage peer: counts one-way messages (`count` mode) or echoes
 * each one back (`echo` mode). Started by ./postmessage.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort!;
const { mode, expect } = workerData as { mode: 'count' | 'echo'; expect: number };

if (mode === 'count') {
  let n = 0;
  port.on('message', () => {
    if (++n === expect) port.postMessage('done');
  });
} else {
  port.on('message', (m: unknown) => port.postMessage(m));
}
port.postMessage('ready');
