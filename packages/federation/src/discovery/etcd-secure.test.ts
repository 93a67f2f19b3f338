/**
 * etcd secured as operators run it: TLS with client certificates (`--client-cert-auth`) and
 * user authentication (`auth enable`), against a real etcd (Debian's `etcd-server`) started
 * here on free loopback ports with certificates made by `openssl` for the test. Checked: the
 * client reaches it with the CA, its certificate and a user's password, and takes a new token
 * when the one it holds expires (`--auth-token-ttl 2`); a wrong password, a missing client
 * certificate and an unknown CA each fail with an error that says which (and never shows the
 * password); two federation nodes find each other through it (the password read from a
 * file); options naming the wrong thing are refused at their field. Skipped, saying so,
 * where etcd or openssl is missing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, reactor, sleep, until } from '../real-process.test-util.js';
import { type EtcdClientTls, EtcdClient, type FederationNode, startNode, validateFederationOptions } from '../index.js';

const has = (binary: string): boolean => {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
};
const READY = has('etcd') && has('openssl');
if (!READY) console.warn('etcd-secure.test.ts: skipped — needs etcd and openssl (apt-get install -y etcd-server openssl; .ci/run does)');

const PASSWORD = 'pw-of-pd-0123';

let dir = '';
let etcd: ChildProcess | null = null;
let endpoint = '';
let etcdLog = '';
const file = (name: string): string => join(dir, name);

/** A CA, a server certificate for 127.0.0.1, and a client certificate, all signed by the CA; and a CA nobody signed with. */
function makeCertificates(): void {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  for (const ca of ['ca', 'other-ca']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=pd test ${ca}`);
  }
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  writeFileSync(file('named.ext'), 'extendedKeyUsage=clientAuth\n');
  // The client's certificate has no Common Name: with client-cert-auth and auth both on, etcd's
  // JSON gateway refuses a certificate with one (it could not carry it over as the user).
  for (const [name, subject] of [['server', '/CN=pd test server'], ['client', '/O=pd test client'], ['named', '/CN=pd']] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  chmodSync(file('client.key'), 0o600);
  writeFileSync(file('password'), `${PASSWORD}\n`, { mode: 0o600 });
}

const tls = (): EtcdClientTls => ({
  ca: readFileSync(file('ca.pem')), cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')),
});

async function startEtcd(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'pd-etcd-tls-'));
  makeCertificates();
  const [client, peer] = [await freePort(), await freePort()];
  endpoint = `https://127.0.0.1:${client}`;
  etcd = spawn('etcd', [
    '--name', 'pd-tls', '--data-dir', file('data'), '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `pd-tls=http://127.0.0.1:${peer}`, '--heartbeat-interval', '50', '--election-timeout', '500',
    '--cert-file', file('server.pem'), '--key-file', file('server.key'), '--client-cert-auth', '--trusted-ca-file', file('ca.pem'),
    // Tokens expire after 2 s of disuse, so the test sees the client take a new one.
    '--auth-token-ttl', '2',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  etcd.stderr!.on('data', (chunk: Buffer) => {
    etcdLog = (etcdLog + chunk.toString()).slice(-4000);
  });
  // Before auth is on, the client certificate is enough; then a root user, a user `pd` with a role on /pd-test, auth on.
  const admin = new EtcdClient({ endpoints: [endpoint], reactor, tls: tls() });
  await until(async () => {
    try {
      await admin.range('/');
      return true;
    } catch {
      return false;
    }
  }, `etcd to answer at ${endpoint} (its log: ${etcdLog.slice(-500)})`, 30_000);
  const post = async (path: string, body: unknown): Promise<void> => {
    const outcome = await (admin as unknown as { authorized(e: string, p: string, b: unknown): Promise<{ error?: string }> }).authorized(endpoint, path, body);
    if (outcome.error !== undefined) throw new Error(`${path}: ${outcome.error}`);
  };
  await post('/v3/auth/role/add', { name: 'root' });
  await post('/v3/auth/user/add', { name: 'root', password: 'root-password-0123' });
  await post('/v3/auth/user/grant', { user: 'root', role: 'root' });
  await post('/v3/auth/role/add', { name: 'pd-role' });
  await post('/v3/auth/role/grant', { name: 'pd-role', perm: { permType: 'READWRITE', key: Buffer.from('/pd-test/').toString('base64'), range_end: Buffer.from('/pd-test0').toString('base64') } });
  await post('/v3/auth/user/add', { name: 'pd', password: PASSWORD });
  await post('/v3/auth/user/grant', { user: 'pd', role: 'pd-role' });
  await post('/v3/auth/enable', {});
  admin.close();
}

describe.skipIf(!READY)('etcd over TLS with client certificates and user authentication (a real etcd)', () => {
  beforeAll(startEtcd, 60_000);
  afterAll(() => {
    etcd?.kill('SIGKILL');
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('the client reaches it with the CA, its certificate and a password, and takes a new token when its own expired', async () => {
    const client = new EtcdClient({ endpoints: [endpoint], reactor, tls: tls(), auth: { username: 'pd', password: PASSWORD } });
    await client.put('/pd-test/k', 'v1');
    expect((await client.range('/pd-test/')).map((kv) => kv.value)).toEqual(['v1']);
    // Past the token's TTL: etcd answers 401 to the old one; the client authenticates again, once.
    await sleep(3500);
    await client.put('/pd-test/k', 'v2');
    expect((await client.range('/pd-test/')).map((kv) => kv.value)).toEqual(['v2']);
    // The user's role covers /pd-test/ only: elsewhere etcd refuses, and says so.
    await expect(client.put('/elsewhere', 'x')).rejects.toThrow(/permission denied/);
    client.close();
  }, 30_000);

  it('a wrong password, no client certificate, an unknown CA: each fails saying which, never showing the password', async () => {
    const wrong = new EtcdClient({ endpoints: [endpoint], reactor, tls: tls(), auth: { username: 'pd', password: 'not-the-password' } });
    const error = await wrong.range('/pd-test/').then(() => null, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/authenticating as 'pd': .*authentication failed/);
    expect(error?.message).not.toContain('not-the-password');
    wrong.close();
    const { cert: _cert, key: _key, ...caOnly } = tls();
    const anonymous = new EtcdClient({ endpoints: [endpoint], reactor, tls: caOnly, auth: { username: 'pd', password: PASSWORD } });
    await expect(anonymous.range('/pd-test/')).rejects.toThrow(/no endpoint answered \(https:\/\/127\.0\.0\.1:\d+: .*(certificate|ECONNRESET|socket hang up|alert)/i);
    anonymous.close();
    const named = new EtcdClient({ endpoints: [endpoint], reactor, tls: { ...tls(), cert: readFileSync(file('named.pem')), key: readFileSync(file('named.key')) }, auth: { username: 'pd', password: PASSWORD } });
    await expect(named.range('/pd-test/')).rejects.toThrow(/CommonName of client .*use a client certificate without a Common Name/);
    named.close();
    const stranger = new EtcdClient({ endpoints: [endpoint], reactor, tls: { ...tls(), ca: readFileSync(file('other-ca.pem')) }, auth: { username: 'pd', password: PASSWORD } });
    await expect(stranger.range('/pd-test/')).rejects.toThrow(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|certificate/i);
    stranger.close();
  }, 30_000);

  it('two federation nodes find each other through it (password from a file)', async () => {
    const nodes: FederationNode[] = [];
    try {
      for (const id of ['a', 'b']) {
        nodes.push(await startNode({
          federation: {
            nodeId: id, secret: 'etcd-tls-federation-secret-0123', listen: { host: '127.0.0.1', port: 0 },
            membership: { kind: 'swim', gossip: { port: 0 }, timing: { probeIntervalMs: 200, probeTimeoutMs: 100 }, downing: { strategy: 'off' } },
            discovery: {
              kind: 'etcd', endpoints: [endpoint], prefix: '/pd-test/fed', ttlMs: 2000, refreshMs: 300,
              tls: { ca: { file: file('ca.pem') }, cert: { file: file('client.pem') }, key: { file: file('client.key') } },
              auth: { username: 'pd', password: { file: file('password') } },
            },
          },
        }));
      }
      const alive = (n: FederationNode): string => n.federation.members().members.filter((m) => m.status === 'alive').map((m) => m.id).sort().join();
      await until(() => nodes.every((n) => alive(n) === 'a,b'), 'a and b to see each other', 30_000);
      expect(nodes[1]!.federation.stats().discovery).toMatchObject({ kind: 'etcd', registered: true });
    } finally {
      for (const n of nodes) await n.stop().catch(() => {});
    }
  }, 60_000);
});

describe('etcd security options, checked at their field', () => {
  const base = { nodeId: 'a', secret: 'etcd-tls-federation-secret-0123', listen: { host: '127.0.0.1', port: 0 }, membership: { kind: 'swim' as const } };
  const field = (discovery: Record<string, unknown>): string | undefined => {
    try {
      validateFederationOptions({ ...base, discovery: { kind: 'etcd', ...discovery } } as never);
      return undefined;
    } catch (error) {
      return (error as { details?: { field?: string } }).details?.field;
    }
  };
  it('names the field that is wrong', () => {
    const https = ['https://127.0.0.1:2379'];
    expect(field({ endpoints: https, tls: { ca: { file: '/x' } }, auth: { username: 'pd', password: { env: 'PD_ETCD_PASSWORD' } } })).toBeUndefined();
    expect(field({ endpoints: ['http://127.0.0.1:2379'], tls: { ca: 'PEM' } })).toBe('discovery.tls');
    expect(field({ endpoints: https, tls: { cert: { file: '/c' } } })).toBe('discovery.tls.key');
    expect(field({ endpoints: https, tls: { ca: { path: '/x' } } })).toBe('discovery.tls.ca');
    expect(field({ endpoints: https, tls: { crt: 'x' } })).toBe('discovery.tls.crt');
    expect(field({ endpoints: https, auth: { password: 'x' } })).toBe('discovery.auth.username');
    expect(field({ endpoints: https, auth: { username: 'pd' } })).toBe('discovery.auth.password');
  });
});
