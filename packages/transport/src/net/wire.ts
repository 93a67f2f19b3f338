/**
 * The wire protocol's vocabulary (byte layouts: docs/wire-protocol.md). After a TCP, TLS or
 * WebSocket connection opens, both sides exchange length-prefixed records: a handshake
 * (HELLO both ways, AUTH both ways, or a REFUSE), then envelope frames and heartbeats.
 * Owns: record types, protocol versions, feature bits, refusal reasons and limits of the
 * handshake. Must not: hold state.
 */

/** The protocol version this code speaks (the range it accepts is [MIN, MAX]). */
export const WIRE_VERSION_MIN = 1;
export const WIRE_VERSION_MAX = 1;

/** Bytes of the length prefix before every record. */
export const RECORD_PREFIX_BYTES = 4;
/** Bytes of the type tag after the length prefix. */
export const RECORD_TYPE_BYTES = 1;
/** The largest handshake record (HELLO carries two names of at most 255 bytes). */
export const HANDSHAKE_MAX_RECORD_BYTES = 1024;
/** "PDWR": the first bytes of every HELLO body, so that a stray client is refused at once. */
export const HELLO_MAGIC = 0x52574450;

/** Record types (the byte after the length prefix). */
export const RecordType = {
  /** Handshake: who I am, what I speak, my nonce. */
  hello: 0x10,
  /** Handshake: HMAC-SHA256 over both HELLOs (empty under mutual TLS only). */
  auth: 0x11,
  /** Handshake: why the connection is refused; the sender closes after it. */
  refuse: 0x12,
  /** One envelope frame (header + payload). */
  frame: 0x01,
  /** Nothing to say: keeps an idle connection alive. */
  heartbeat: 0x02,
  /** An orderly close with a reason; the sender closes after it. */
  goodbye: 0x03,
  /** Frames received from the peer's current incarnation so far (feature `acks`): the peer's confirmation. */
  ack: 0x04,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Feature bits, intersected in the handshake. Unknown bits are ignored (and dropped). */
export const WireFeature = {
  /** Heartbeat records on idle connections. */
  heartbeat: 0x1,
  /** Resume counts in HELLO: frames lost in flight across a reconnect are counted exactly. */
  resumeCounts: 0x2,
  /**
   * ACK records on the heartbeat tick: frames a link wrote to an incarnation that ended
   * without confirming them are counted (`dropped.unconfirmed`). Used only when both offer it.
   */
  acks: 0x4,
} as const;
/** The features this code offers. */
export const WIRE_FEATURES = WireFeature.heartbeat | WireFeature.resumeCounts | WireFeature.acks;

/** Bytes of an ACK body: f64 frames received (a safe integer, like the resume count). */
export const ACK_BODY_BYTES = 8;

/** Why a connection was refused or closed; sent in REFUSE/GOODBYE, logged and counted. */
export const RefuseReason = {
  /** No overlap between the protocol version ranges. */
  version: 1,
  /** The peer belongs to another cluster. */
  cluster: 2,
  /** Authentication failed: wrong secret, missing MAC, or no verified client certificate. */
  auth: 3,
  /** Simultaneous connect: the other connection between these two nodes wins. */
  duplicate: 4,
  /** Too many handshakes in flight. */
  busy: 5,
  /** Bytes that are not this protocol (bad magic, bad length, unknown record). */
  malformed: 6,
  /** The handshake did not finish in time. */
  handshakeTimeout: 7,
  /** Nothing heard for the idle timeout. */
  idleTimeout: 8,
  /** A record above the frame ceiling. */
  frameTooLarge: 9,
  /** The node dialed itself, or the acceptor is not the node the dialer asked for. */
  wrongNode: 10,
  /** The node is shutting down. */
  shutdown: 11,
  /** A newer connection from the same peer replaced this one. */
  replaced: 12,
  /** The socket closed or failed (no record was exchanged). */
  connectionLost: 13,
} as const;
export type RefuseReason = (typeof RefuseReason)[keyof typeof RefuseReason];

/** The reason's name, for logs and counters. */
export type RefuseReasonName = keyof typeof RefuseReason;

const NAMES = new Map<number, RefuseReasonName>(Object.entries(RefuseReason).map(([k, v]) => [v, k as RefuseReasonName]));

/** The name of reason code `code` ('malformed' for an unknown code). */
export function reasonName(code: number): RefuseReasonName {
  return NAMES.get(code) ?? 'malformed';
}
