/**
 * The sending process of the `wire` workload:
 * `node wire-sender.js <tcp|tls|ws|bare> <port> <messages> <batch> <pems json>`.
 * pd rows: a NetNode stages `batch` frames of the message per event-loop turn and
 * publishes (one write per turn), staging nothing while a batch still waits (the socket
 * asked to wait), so every write is one batch, as in the bare loop. bare: writes one pre-encoded buffer of `batch` records per turn, waiting for
 * `drain` when the socket asks. Runs until killed.
 */
import { connect } from 'node:net';
import { Codec, NetNode, hostNetClock, tcpCarrier, tlsCarrier, wsCarrier } from '@pd/transport';
import { INIT, LIMITS, MESSAGE, SECRET, recordBytes, type Pems, type WireKind } from './wire-common.js';

const [kind, portArg, messagesArg, batchArg, pemsArg] = process.argv.slice(2) as [WireKind, string, string, string, string];
const port = Number(portArg), messages = Number(messagesArg), batch = Number(batchArg);
const pems = JSON.parse(pemsArg) as Pems | null;

if (kind === 'bare') {
  const one = recordBytes();
  const chunk = Buffer.alloc(one.length * batch);
  for (let i = 0; i < batch; i++) chunk.set(one, i * one.length);
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  let sent = 0;
  const pump = (): void => {
    while (sent < messages) {
      sent += batch;
      // Same batch every turn; a copy, as the pd sender hands the socket a fresh buffer each write.
      if (!socket.write(Buffer.from(chunk))) {
        socket.once('drain', pump);
        return;
      }
      setImmediate(pump);
      return;
    }
  };
  socket.on('connect', pump);
} else {
  const carrier = kind === 'tcp' ? tcpCarrier() : kind === 'ws' ? wsCarrier({ maxPayload: 4 << 20 }) : tlsCarrier({ cert: pems!.cert, key: pems!.key, ca: pems!.ca });
  const node = new NetNode({
    clock: hostNetClock(), codec: new Codec(), carrier, nodeId: 'sender', cluster: 'bench', incarnation: 1, secret: SECRET, limits: LIMITS,
    onEvent: (e) => {
      if (e.type === 'up') pump();
      else if (e.type === 'refused') console.error(`wire sender: refused ${e.reason}: ${e.text}`);
    },
  });
  const out = node.connect('receiver', { host: '127.0.0.1', port }).out;
  let sent = 0;
  function pump(): void {
    if (sent >= messages) return;
    if (out.backlog === 0) {
      const n = Math.min(batch, messages - sent);
      for (let i = 0; i < n; i++) out.stage(INIT, MESSAGE, false);
      out.publish();
      sent += n;
    }
    setImmediate(pump);
  }
}
