/**
 * The byte-stream seam: what the protocol needs from a connection (a TCP or TLS socket, a
 * WebSocket, a simulated link) and how a carrier makes them. The protocol core is written
 * against these only, so it runs unchanged over real sockets and over the simulator.
 * Must not: interpret bytes; a port delivers them in order, exactly once, or closes.
 */

/** What a port reports to its connection. */
export interface StreamEvents {
  /** Bytes in order; the chunk may be kept by the receiver (the port never reuses it). */
  data(chunk: Uint8Array): void;
  /** The port accepts writes again after `write` returned false. */
  drain(): void;
  /** The stream ended or failed; called once, and nothing after it. */
  closed(error: Error | null): void;
}

/** One ordered, reliable byte stream. */
export interface StreamPort {
  /** Where the other end is, for logs (host:port). */
  readonly remote: string;
  /** True when mutual TLS verified the other end's certificate against the configured CA. */
  readonly peerCertificateVerified: boolean;
  /** Starts delivering events (called once, right after the port is made or accepted). */
  attach(events: StreamEvents): void;
  /** Queues bytes (the port owns them from now); false when its buffer is above its high-water mark. */
  write(bytes: Uint8Array): boolean;
  /** Closes after queued writes leave. */
  end(): void;
  /** Closes now; queued writes are lost. */
  destroy(): void;
  /** Stops / restarts reading (inbound backpressure). */
  pause(): void;
  resume(): void;
}

/** Where a node listens or a peer is dialed. */
export interface NetAddress {
  readonly host: string;
  readonly port: number;
}

/** A bound listener. */
export interface Listening extends NetAddress {
  close(): Promise<void>;
}

/** Makes ports: accepts them on a listener, or dials one. */
export interface Carrier {
  /** `tcp`, `tls`, `ws`, `sim`... */
  readonly kind: string;
  /** `rejected`: a connection the carrier refused itself (mutual TLS without a valid client certificate). */
  listen(address: NetAddress, accept: (port: StreamPort) => void, rejected?: (remote: string, text: string) => void): Promise<Listening>;
  /** A port that is connecting (writes wait until it opens; a failure arrives as `closed`). */
  dial(address: NetAddress): StreamPort;
}
