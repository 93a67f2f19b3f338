/**
 * @pd/federation: engines on different machines as one actor system. A node router (a
 * second `RemoteRouter` beside the multi-core one) carries send, ask, sendWait, exit,
 * stop, kill, swap and publish to actors on other nodes over @pd/transport's network
 * carriers (TCP, TLS, WebSocket), with links and monitors across nodes (Erlang's
 * semantics, `noconnection` on a lost connection), spawn and whereis on a named node, and a
 * policy of what remote nodes may do here. See docs/federation.md.
 */
export {
  Federation, createFederation, startNode, type FederationNode, type FederationStats, type MembersView, type PeerStats, type RemoteSpawnOptions,
} from './federation.js';
export {
  FEDERATION_DEFAULTS, validateFederationOptions, type FederationOptions, type FederationPolicy, type PrefixPolicy,
  type StaticMembershipSpec, type SwimMembershipSpec, type DiscoverySpec,
} from './options.js';
export { StaticMembership, type MemberChange, type Membership, type MembershipListener, type PeerAddress } from './membership.js';
export { CLUSTER_EVENT_TYPES, ClusterEvents, type ClusterEvent, type ClusterEventListener, type ClusterEventType } from './cluster-events.js';
export type { PolicyRefusals } from './policy.js';
export type { NodeService, PeerState, RouterCounters } from './node-router.js';
export { SwimMembership, TOMBSTONE_FACTOR, type MemberInfo, type SwimStats } from './swim.js';
export { SWIM_DEFAULTS, validateSwimOptions, type GossipAddress, type SwimEncryption, type SwimOptions, type SwimTiming } from './swim-options.js';
export { carrierSwimTransport, type CarrierSwimLimits, type SwimTransport } from './swim-transport.js';
export type { MemberStatus } from './swim-wire.js';
export {
  DOWNING_DEFAULTS, decideDowning, validateDowningOptions, type DowningDecision, type DowningMember, type DowningOptions, type DowningStrategy,
  type EtcdLeaseSpec,
} from './downing.js';
export {
  DiscoveryError, type DiscoveryContext, type DiscoveryProvider, type DiscoverySelf, type LeaseProvider, type SeedAddress,
} from './discovery/provider.js';
export { staticSeeds } from './discovery/static.js';
export { dnsSeeds, type DnsLookups, type DnsSeedsOptions } from './discovery/dns.js';
export { etcdDiscovery, etcdLease, type EtcdCounters, type EtcdDiscoveryOptions, type EtcdLeaseOptions, type EtcdSecurityOptions } from './discovery/etcd.js';
export { EtcdClient, type EtcdClientOptions, type EtcdClientTls, type EtcdKeyValue } from './discovery/etcd-client.js';
export type { DiscoveryStats } from './discovery/runner.js';
export {
  ClusterRegistry, NAME_CONFLICT, PREFIX_CONFLICT, type ClusterName, type ClusterPrefix, type NameConflict, type NameConflictMessage, type PrefixConflict,
  type PrefixConflictMessage,
} from './cluster-registry.js';
export { ClusterGroups, type GroupChange, type GroupListener, type GroupView } from './cluster-groups.js';
export { HLC_LOGICAL, HLC_MAX_DRIFT_MS, HybridLogicalClock, hlcParts, isHlcStamp } from './hlc.js';
