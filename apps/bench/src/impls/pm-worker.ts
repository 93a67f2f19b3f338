/**
 * The far side of the postMessage peers: counts one-way messages (`count` mode), arrays of
 * them (`count-batch` mode: each message is an array, counted by its length), or echoes each
 * one back (`echo` mode). Started by ./postmessage.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort!;
const { mode, expect } = workerData as { mode: 'count' | 'count-batch' | 'echo'; expect: number };

if (mode === 'count-batch') {
  let n = 0;
  port.on('message', (m: unknown[]) => {
    n += m.length;
    if (n === expect) port.postMessage('done');
  });
} else if (mode === 'count') {
  let n = 0;
  port.on('message', () => {
    if (++n === expect) port.postMessage('done');
  });
} else {
  port.on('message', (m: unknown) => port.postMessage(m));
}
port.postMessage('ready');
