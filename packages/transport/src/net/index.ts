/**
 * Network transports: the wire protocol (docs/wire-protocol.md) over TCP, TLS or
 * WebSocket, as {@link PeerChannel}s the router uses like rings. The protocol core
 * (decoder, handshake, connection, lanes) runs over any {@link StreamPort} and the
 * engine's reactor, so the simulator can carry it too.
 */
export { NetNode, type NetNodeOptions, type NetEvent } from './node.js';
export { PollSpin } from './poll-spin.js';
export type { NetPeerInfo } from './peer.js';
export { createNetNode, loadPem, loadSecret, loadSecrets, SECRET_ENV, type NetConfig, type NetRuntime, type SecretSource } from './config.js';
export { DEFAULT_NET_LIMITS, resolveLimits, type NetLimits, type QueueFullPolicy } from './limits.js';
export { emptyStats, type NetStats, type DropCounts } from './stats.js';
export type { NetClock, NetRandom, NetTimer } from './clock.js';
export { hostNetClock } from './host-reactor.js';
export type { Carrier, StreamPort, StreamEvents, NetAddress, Listening } from './stream.js';
export { tcpCarrier } from './tcp.js';
export { tlsCarrier, type TlsMaterial } from './tls.js';
export { wsCarrier, type WsCarrierOptions } from './ws.js';
export { StreamDecoder, type RecordHandler, type DecodeFailure } from './decoder.js';
export {
  WIRE_VERSION_MIN, WIRE_VERSION_MAX, WIRE_FEATURES, WireFeature, RecordType, RefuseReason, HELLO_MAGIC,
  HANDSHAKE_MAX_RECORD_BYTES, reasonName, type RefuseReasonName,
} from './wire.js';
