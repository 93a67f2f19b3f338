/**
 * A small etcd v3 client over etcd's JSON gateway (`POST /v3/kv/range` and friends, keys
 * and values base64, int64s as strings), with `fetch`: no gRPC stack, no dependency. Each
 * request goes to the endpoint that answered last, then the others in turn; every one
 * failing gives one {@link DiscoveryError} naming each endpoint and what it said. Owns: the
 * requests and their timeouts (on the reactor). Must not: retry on its own beyond one pass
 * over the endpoints (the callers back off).
 */
import type { Reactor } from '@pd/runtime';
import { DiscoveryError } from './provider.js';

/** One key and its value, as strings. */
export interface EtcdKeyValue {
  readonly key: string;
  readonly value: string;
  readonly lease: string;
}

/** What `EtcdClient` needs to be made. */
export interface EtcdClientOptions {
  /** Client URLs (`http://10.0.0.5:2379`). */
  readonly endpoints: readonly string[];
  readonly reactor: Reactor;
  /** How long one request waits, ms (default 2000). */
  readonly requestTimeoutMs?: number;
  /** The provider using it, for error messages (`etcd`). */
  readonly provider?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The end of the range of keys starting with `prefix` (etcd's `range_end`: the prefix with its last byte plus one). */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]!++;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

/** The requests the etcd providers make. */
export class EtcdClient {
  private readonly endpoints: readonly string[];
  private preferred = 0;
  private readonly timeoutMs: number;
  private readonly provider: string;

  constructor(private readonly options: EtcdClientOptions) {
    this.endpoints = options.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.timeoutMs = options.requestTimeoutMs ?? 2000;
    this.provider = options.provider ?? 'etcd';
  }

  /** A lease of `ttlMs` (rounded up to seconds; etcd may raise it to its minimum); resolves with its id and granted TTL. */
  async grant(ttlMs: number): Promise<{ id: string; ttlMs: number }> {
    const r = await this.call('lease/grant', '/v3/lease/grant', { TTL: String(Math.max(1, Math.ceil(ttlMs / 1000))) });
    if (typeof r.ID !== 'string') throw new DiscoveryError(this.provider, 'lease/grant', `unexpected answer ${JSON.stringify(r).slice(0, 200)}`);
    return { id: r.ID, ttlMs: Number(r.TTL) * 1000 };
  }

  /** Renew a lease once; resolves with its TTL in ms, 0 when etcd no longer has it (expired or revoked). */
  async keepAlive(id: string): Promise<number> {
    const r = await this.call('lease/keepalive', '/v3/lease/keepalive', { ID: id });
    return Number(r.result?.TTL ?? 0) * 1000;
  }

  /** Revoke a lease (its keys go with it); a lease etcd no longer has is not an error. */
  async revoke(id: string): Promise<void> {
    try {
      await this.call('lease/revoke', '/v3/lease/revoke', { ID: id });
    } catch (error) {
      if (!(error instanceof DiscoveryError && /lease not found/.test(error.message))) throw error;
    }
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('kv/put', '/v3/kv/put', { key: b64(key), value: b64(value), ...(lease === undefined ? {} : { lease }) });
  }

  /** Every key starting with `prefix`. */
  async range(prefix: string): Promise<EtcdKeyValue[]> {
    const r = await this.call('kv/range', '/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return ((r.kvs ?? []) as { key?: string; value?: string; lease?: string }[]).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), lease: kv.lease ?? '0' }));
  }

  /** Put `value` at `key` under `lease` only if the key does not exist; resolves with the value there afterwards. */
  async createIfAbsent(key: string, value: string, lease: string): Promise<string> {
    const k = b64(key);
    const r = await this.call('kv/txn', '/v3/kv/txn', {
      compare: [{ key: k, target: 'CREATE', create_revision: '0' }],
      success: [{ request_put: { key: k, value: b64(value), lease } }],
      failure: [{ request_range: { key: k } }],
    });
    if (r.succeeded === true) return value;
    const kvs = r.responses?.[0]?.response_range?.kvs as { value?: string }[] | undefined;
    // Deleted between the compare and the range (its holder's lease expired): nobody holds it; the caller tries again.
    return kvs?.[0] === undefined ? '' : unb64(kvs[0].value);
  }

  // --- internal ---

  private async call(operation: string, path: string, body: unknown): Promise<any> {
    const failures: string[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      const outcome = await this.post(endpoint + path, body);
      if ('answer' in outcome) {
        this.preferred = index;
        return outcome.answer;
      }
      // etcd answered with an error of its own (a lease it does not have): the same on every member.
      if (outcome.final) throw new DiscoveryError(this.provider, operation, outcome.error, endpoint);
      failures.push(`${endpoint}: ${outcome.error}`);
    }
    throw new DiscoveryError(this.provider, operation, `no endpoint answered (${failures.join('; ')})`);
  }

  private async post(url: string, body: unknown): Promise<{ answer: any } | { error: string; final: boolean }> {
    const reactor = this.options.reactor;
    const abort = new AbortController();
    const timer = reactor.setTimer(this.timeoutMs, () => abort.abort());
    reactor.keepAlive(timer, false);
    try {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: abort.signal });
      const text = await response.text();
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { error: `HTTP ${response.status}, not JSON: ${text.slice(0, 120)}`, final: false };
      }
      if (!response.ok || typeof parsed?.error === 'string' || parsed?.error !== undefined) {
        const message = parsed?.message ?? parsed?.error?.message ?? parsed?.error ?? `HTTP ${response.status}`;
        return { error: String(message), final: response.status >= 400 && response.status < 500 };
      }
      return { answer: parsed };
    } catch (error) {
      if (abort.signal.aborted) return { error: `no answer within ${this.timeoutMs} ms`, final: false };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { error: cause?.code ?? cause?.message ?? (error as Error).message, final: false };
    } finally {
      reactor.clearTimer(timer);
    }
  }
}
