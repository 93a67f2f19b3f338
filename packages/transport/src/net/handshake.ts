/**
 * The handshake state machine, one per connection: HELLO both ways, then AUTH both ways
 * (the dialer proves first; the acceptor answers only a valid proof, so it is no oracle).
 * Pure: records in, records out through `send`, an outcome at the end; no I/O and no
 * clock (the connection owns the timeout). Must not: accept a frame before both proofs
 * check out, or say why authentication failed in more detail than "auth".
 */
import { type Hello, type Resume, copy, proof, proofMatches, readAuth, readHello, readReason, records, writeHello, writeResume } from './hello.js';
import { RecordType, RefuseReason, reasonName, type RefuseReasonName } from './wire.js';

/** What this side brings to a handshake. */
export interface HandshakeLocal {
  readonly nodeId: string;
  readonly cluster: string;
  readonly incarnation: number;
  readonly versionMin: number;
  readonly versionMax: number;
  readonly features: number;
  /** The shared cluster secret, the one this side proves with; null when mutual TLS alone authenticates. */
  readonly secret: Uint8Array | null;
  /** Other secrets a peer may prove with (a secret being rotated in or out); `secret` is always accepted. */
  readonly acceptSecrets?: readonly Uint8Array[];
  readonly nonce: Uint8Array;
}


/** Hooks into the node that owns the connection. */
export interface HandshakeHooks {
  /**
   * Resume counts for `peer`, read just before this side's AUTH leaves (zeros when unknown).
   * The acceptor calls it only after the dialer proved itself, so the node may first close
   * an older connection from that peer (its count is then final).
   */
  resume(peer: Hello): Resume;
  /** Acceptor only: whether to take this dialer (0), or why not (duplicate, busy...). */
  admit(hello: Hello): { reason: RefuseReason; text: string } | null;
  /** Acceptor under mutual TLS: whether the transport verified the client's certificate. */
  peerCertificateVerified(): boolean;
}

/** A finished handshake. */
export interface HandshakeOutcome {
  readonly peer: Hello;
  /** The peer's resume counts about this node. */
  readonly peerResume: Resume;
  readonly version: number;
  readonly features: number;
}

/** A failed handshake: the reason, who decided it, and text to log. */
export interface HandshakeFailure {
  readonly reason: RefuseReasonName;
  readonly text: string;
  /** True when the peer refused us (its REFUSE), false when we refused it. */
  readonly byPeer: boolean;
}

type State = 'await-hello' | 'await-auth' | 'done' | 'failed';

export class Handshake {
  outcome: HandshakeOutcome | null = null;
  failure: HandshakeFailure | null = null;
  private state: State = 'await-hello';
  private ownHello: Uint8Array | null = null;
  private peerHelloBytes: Uint8Array | null = null;
  private peer: Hello | null = null;

  constructor(
    readonly role: 'dialer' | 'acceptor',
    private readonly local: HandshakeLocal,
    private readonly hooks: HandshakeHooks,
    private readonly send: (record: Uint8Array) => void,
    /** Dialer: the node it means to reach ('' for whoever answers). */
    private readonly wanted = '',
  ) {}

  /** The peer's node id once its HELLO arrived (the wanted id for a dialer before that), else null. */
  get peerId(): string | null {
    return this.peer?.nodeId ?? (this.wanted === '' ? null : this.wanted);
  }

  /** Dialer: send the first HELLO. */
  start(): void {
    if (this.role === 'dialer') this.sendHello(this.wanted);
  }

  /** One handshake record; returns true while the handshake goes on or just finished well. */
  onRecord(type: number, body: Uint8Array): boolean {
    if (this.state === 'done' || this.state === 'failed') return false;
    if (type === RecordType.refuse) {
      const why = readReason(body);
      return this.fail(why === null ? 'malformed' : reasonName(why.reason), why?.text ?? 'unreadable refusal', true, false);
    }
    if (this.state === 'await-hello' && type === RecordType.hello) return this.onHello(body);
    if (this.state === 'await-auth' && type === RecordType.auth) return this.onAuth(body);
    return this.fail('malformed', `unexpected record 0x${type.toString(16)} during the handshake`, false, true);
  }

  /** Stop with `reason` (a timeout, the node shutting down), telling the peer. */
  abort(reason: RefuseReasonName, text: string): void {
    if (this.state !== 'done' && this.state !== 'failed') this.fail(reason, text, false, true);
  }

  // --- internal ---

  private onHello(body: Uint8Array): boolean {
    const hello = readHello(body);
    if (hello === null) return this.fail('malformed', 'not a HELLO of this protocol', false, true);
    const l = this.local;
    const version = Math.min(l.versionMax, hello.versionMax);
    if (version < Math.max(l.versionMin, hello.versionMin) || hello.versionMin > hello.versionMax) {
      return this.fail('version', `peer speaks versions ${hello.versionMin}..${hello.versionMax}, this node ${l.versionMin}..${l.versionMax}`, false, true);
    }
    if (hello.cluster !== l.cluster) return this.fail('cluster', `peer is in cluster '${hello.cluster}', this node in '${l.cluster}'`, false, true);
    if (hello.nodeId === l.nodeId) return this.fail('wrongNode', `peer has this node's own id '${l.nodeId}'`, false, true);
    this.peer = hello;
    this.peerHelloBytes = copy(body, 0, body.length);
    if (this.role === 'dialer') {
      if (this.wanted !== '' && hello.nodeId !== this.wanted) {
        return this.fail('wrongNode', `dialed '${this.wanted}' but '${hello.nodeId}' answered`, false, true);
      }
      this.state = 'await-auth';
      this.sendAuth('dialer', this.ownHello!, this.peerHelloBytes);
      return true;
    }
    if (hello.wanted !== '' && hello.wanted !== l.nodeId) {
      return this.fail('wrongNode', `dialer wants '${hello.wanted}', this is '${l.nodeId}'`, false, true);
    }
    if (l.secret === null && !this.hooks.peerCertificateVerified()) {
      return this.fail('auth', 'no verified client certificate', false, true);
    }
    const refusal = this.hooks.admit(hello);
    if (refusal !== null) return this.fail(reasonName(refusal.reason), refusal.text, false, true);
    this.state = 'await-auth';
    this.sendHello('');
    return true;
  }

  private onAuth(body: Uint8Array): boolean {
    const l = this.local;
    const auth = readAuth(body);
    if (auth === null) return this.fail('malformed', 'not an AUTH of this protocol', false, true);
    const [dialer, acceptor] = this.role === 'dialer' ? [this.ownHello!, this.peerHelloBytes!] : [this.peerHelloBytes!, this.ownHello!];
    if (l.secret !== null) {
      const role = this.role === 'dialer' ? 'acceptor' : 'dialer';
      let proven = proofMatches(proof(l.secret, role, dialer, acceptor, auth.resumeBytes), auth.mac);
      for (const other of l.acceptSecrets ?? []) proven ||= proofMatches(proof(other, role, dialer, acceptor, auth.resumeBytes), auth.mac);
      if (!proven) return this.fail('auth', 'the peer did not prove it holds the cluster secret', false, true);
    }
    if (this.role === 'acceptor') this.sendAuth('acceptor', dialer, acceptor);
    this.state = 'done';
    const peer = this.peer!;
    this.outcome = { peer, peerResume: auth.resume, version: Math.min(l.versionMax, peer.versionMax), features: l.features & peer.features };
    return true;
  }

  private sendAuth(role: 'dialer' | 'acceptor', dialer: Uint8Array, acceptor: Uint8Array): void {
    const secret = this.local.secret;
    const resume = writeResume(this.hooks.resume(this.peer!));
    this.send(records.auth(secret === null ? new Uint8Array(0) : proof(secret, role, dialer, acceptor, resume), resume));
  }

  private sendHello(wanted: string): void {
    const l = this.local;
    this.ownHello = writeHello({
      versionMin: l.versionMin, versionMax: l.versionMax, features: l.features, incarnation: l.incarnation,
      nonce: l.nonce, cluster: l.cluster, nodeId: l.nodeId, wanted,
    });
    this.send(records.hello(this.ownHello));
  }

  private fail(reason: RefuseReasonName, text: string, byPeer: boolean, tell: boolean): false {
    this.state = 'failed';
    this.failure = { reason, text, byPeer };
    if (tell) this.send(records.refuse(RefuseReason[reason], reason === 'auth' ? 'authentication failed' : text));
    return false;
  }
}
