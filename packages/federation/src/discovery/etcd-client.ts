/**
 * A small etcd v3 client over etcd's JSON gateway (`POST /v3/kv/range` and friends, keys
 * and values base64, int64s as strings), with `node:http` / `node:https`: no gRPC stack, no
 * dependency. `https://` endpoints are checked against the CA given (else the system's) and
 * can present a client certificate (etcd's `--client-cert-auth`); with `auth`, the client
 * takes a token from `/v3/auth/authenticate` for each endpoint (etcd's simple tokens are
 * per member) and sends it on every request, taking a new one once when etcd says it is
 * invalid (expired, or the member restarted). Each request goes to the endpoint that
 * answered last, then the others in turn; every one failing gives one
 * {@link DiscoveryError} naming each endpoint and what it said. Owns: the requests, their
 * timeouts (on the reactor), the tokens and one connection pool. Must not: retry on its own
 * beyond one pass over the endpoints and one new token (the callers back off), or put a
 * password or a token in an error message.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Reactor } from '@pd/runtime';
import { DiscoveryError } from './provider.js';

/** TLS material for `https://` endpoints, loaded (PEM). */
export interface EtcdClientTls {
  /** CAs to trust instead of the system's. */
  readonly ca?: string | Uint8Array;
  /** A client certificate and its key, for an etcd that requires one (`--client-cert-auth`). */
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  /** The name the server's certificate must carry, when not the endpoint's host. */
  readonly servername?: string;
}

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
  /** For `https://` endpoints. */
  readonly tls?: EtcdClientTls;
  /** etcd's user authentication (`auth enable`). */
  readonly auth?: { readonly username: string; readonly password: string };
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
  /** Auth tokens by endpoint (a simple token is valid on the member that issued it only). */
  private readonly tokens = new Map<string, string>();
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  private readonly https: HttpsAgent;

  constructor(private readonly options: EtcdClientOptions) {
    this.endpoints = options.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.timeoutMs = options.requestTimeoutMs ?? 2000;
    this.provider = options.provider ?? 'etcd';
    const tls = options.tls ?? {};
    this.https = new HttpsAgent({
      keepAlive: true, maxSockets: 4,
      ...(tls.ca === undefined ? {} : { ca: pem(tls.ca) }), ...(tls.cert === undefined ? {} : { cert: pem(tls.cert) }),
      ...(tls.key === undefined ? {} : { key: pem(tls.key) }), ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    });
  }

  /** Closes the pooled connections (the providers' `close`). */
  close(): void {
    this.http.destroy();
    this.https.destroy();
    this.tokens.clear();
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
      const outcome = await this.authorized(endpoint, path, body);
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

  /** One request to `endpoint`, with its auth token when `auth` is set (a new one once, when etcd refuses the one held). */
  private async authorized(endpoint: string, path: string, body: unknown): Promise<Outcome> {
    const auth = this.options.auth;
    if (auth === undefined) return this.post(endpoint, path, body, undefined);
    for (let attempt = 0; ; attempt++) {
      let token = this.tokens.get(endpoint);
      if (token === undefined) {
        const got = await this.post(endpoint, '/v3/auth/authenticate', { name: auth.username, password: auth.password }, undefined);
        if (!('answer' in got)) return { ...got, error: `authenticating as '${auth.username}': ${got.error}` };
        if (typeof got.answer.token !== 'string' || got.answer.token === '') {
          // etcd answers without a token when its authentication is not enabled: go on without one.
          return this.post(endpoint, path, body, undefined);
        }
        token = got.answer.token as string;
        this.tokens.set(endpoint, token);
      }
      const outcome = await this.post(endpoint, path, body, token);
      // Expired, or issued by a member that restarted since: a new token, once.
      if ('answer' in outcome || outcome.status !== 401 || attempt > 0) return outcome;
      this.tokens.delete(endpoint);
    }
  }

  private post(endpoint: string, path: string, body: unknown, token: string | undefined): Promise<Outcome> {
    const reactor = this.options.reactor;
    let url: URL;
    try {
      url = new URL(endpoint + path);
    } catch {
      return Promise.resolve({ error: 'not a URL', final: true, status: 0 });
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.resolve({ error: `protocol ${url.protocol} is not http: or https:`, final: true, status: 0 });
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        reactor.clearTimer(timer);
        resolve(outcome);
      };
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': payload.length };
      if (token !== undefined) headers.authorization = token;
      const req = (secure ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent: secure ? this.https : this.http }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // A gateway answer is small; a runaway one is not etcd's.
          if (size > MAX_ANSWER_BYTES) {
            req.destroy();
            settle({ error: `answer over ${MAX_ANSWER_BYTES} bytes`, final: false, status: response.statusCode ?? 0 });
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => settle({ error: describeNetError(error), final: false, status: 0 }));
        response.on('end', () => settle(interpret(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      });
      const timer = reactor.setTimer(this.timeoutMs, () => {
        req.destroy();
        settle({ error: `no answer within ${this.timeoutMs} ms`, final: false, status: 0 });
      });
      reactor.keepAlive(timer, false);
      req.on('error', (error) => settle({ error: describeNetError(error), final: false, status: 0 }));
      req.end(payload);
    });
  }
}

type Outcome = { answer: any } | { error: string; final: boolean; status: number };

/** The most bytes one answer may have (a range of every member entry fits many times over). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

function interpret(status: number, text: string): Outcome {
  if (status === 400 && /^CommonName of client/.test(text)) {
    return { error: `${text.trim()} (with client-cert-auth and auth both on, etcd's JSON gateway refuses a client certificate that has a Common Name: use a client certificate without a Common Name, and the user's password)`, final: true, status };
  }
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: `HTTP ${status}, not JSON: ${text.slice(0, 120)}`, final: false, status };
  }
  if (status < 200 || status >= 300 || parsed?.error !== undefined) {
    const message = parsed?.message ?? parsed?.error?.message ?? parsed?.error ?? `HTTP ${status}`;
    // etcd's own refusals (a lease it does not have, permission denied, bad credentials) are the same on every member.
    return { error: String(message), final: status >= 400 && status < 500 && status !== 401, status };
  }
  return { answer: parsed };
}

/** A connection error in words: its code (ECONNREFUSED, a TLS verification code such as UNABLE_TO_VERIFY_LEAF_SIGNATURE) and message. */
function describeNetError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code !== undefined && e.message !== undefined && !e.message.includes(e.code)) return `${e.code}: ${e.message}`;
  return e.message ?? e.code ?? String(error);
}

function pem(material: string | Uint8Array): string | Buffer {
  return typeof material === 'string' ? material : Buffer.from(material);
}
