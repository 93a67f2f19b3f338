/**
 * How membership messages travel: a {@link SwimTransport} moves whole messages (bytes) to
 * a membership endpoint, best effort, like memberlist's UDP. {@link carrierSwimTransport}
 * runs it over any byte-stream `Carrier` of @pd/transport (TCP, TLS, the simulator's
 * `simNetCarrier`) on a port of its own, one short connection per message: dial, write,
 * end. That keeps failure detection independent of the federation's long-lived
 * connections (whose heartbeats and reconnects would otherwise mask or mimic a failure)
 * and needs no second wire protocol. Owns: framing one message per connection and its
 * bounds. Must not: interpret messages (swim-wire.ts and swim.ts do), read real time (the
 * reactor's timers only), or throw for anything a peer sends.
 */
import type { Carrier, StreamPort } from '@pd/transport';
import type { Reactor } from '@pd/runtime';

/** Moves membership messages between endpoints, best effort (a message may be lost, never altered or split). */
export interface SwimTransport {
  /** Start receiving messages for the endpoint `address` (port 0: any free one); `receive` gets each one whole. Resolves with the bound address. */
  listen(address: { readonly host: string; readonly port: number }, reactor: Reactor, receive: (bytes: Uint8Array) => void): Promise<{ readonly host: string; readonly port: number }>;
  /** Send one message to the endpoint `to`; failures are silent (the protocol's timeouts notice them). */
  send(to: { readonly host: string; readonly port: number }, bytes: Uint8Array): void;
  /** Stop listening and sending. */
  close(): Promise<void>;
}

/** Limits of {@link carrierSwimTransport}. */
export interface CarrierSwimLimits {
  /** The largest message accepted, bytes (default 1 MiB: a full-state sync of a few thousand members). */
  readonly maxMessageBytes?: number;
  /** An inbound connection that has not ended by then is dropped, ms (default 5000). */
  readonly inboundTimeoutMs?: number;
  /** Inbound connections open at once at most; more are dropped at once (default 256). */
  readonly maxInbound?: number;
}

/** A {@link SwimTransport} over `carrier`: one connection per message, on the membership's own port. */
export function carrierSwimTransport(carrier: Carrier, limits: CarrierSwimLimits = {}): SwimTransport {
  const maxBytes = limits.maxMessageBytes ?? 1024 * 1024;
  const inboundTimeoutMs = limits.inboundTimeoutMs ?? 5000;
  const maxInbound = limits.maxInbound ?? 256;
  let listening: { close(): Promise<void> } | null = null;
  let closed = false;
  let inbound = 0;
  const open = new Set<StreamPort>();
  return {
    async listen(address, reactor, receive) {
      const bound = await carrier.listen({ host: address.host, port: address.port }, (port) => {
        if (closed || inbound >= maxInbound) {
          port.attach({ data() {}, drain() {}, closed() {} });
          port.destroy();
          return;
        }
        inbound++;
        open.add(port);
        const chunks: Uint8Array[] = [];
        let size = 0;
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          inbound--;
          open.delete(port);
          reactor.clearTimer(timer);
        };
        const timer = reactor.setTimer(inboundTimeoutMs, () => {
          finish();
          port.destroy();
        });
        reactor.keepAlive(timer, false);
        port.attach({
          data(chunk) {
            if (done) return;
            size += chunk.length;
            if (size > maxBytes) {
              finish();
              port.destroy();
              return;
            }
            chunks.push(chunk);
          },
          drain() {},
          closed(error) {
            if (done) return;
            finish();
            if (error !== null || closed || size === 0) return;
            const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            receive(bytes);
          },
        });
      });
      listening = bound;
      return { host: address.host, port: bound.port };
    },
    send(to, bytes) {
      if (closed || bytes.length > maxBytes) return;
      let port: StreamPort;
      try {
        port = carrier.dial({ host: to.host, port: to.port });
      } catch {
        return;
      }
      port.attach({ data() {}, drain() {}, closed() {} });
      port.write(bytes);
      port.end();
    },
    async close() {
      closed = true;
      for (const port of open) port.destroy();
      open.clear();
      await listening?.close();
      listening = null;
    },
  };
}
