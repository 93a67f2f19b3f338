// The config's `federation` section: defaults, files relative to the config, the mistakes it
// names by field path (the library's own checks included), and no federation on a
// multi-core engine.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, loadConfig, validateConfig } from '@pd/control';
import { federationOptions } from './federation.js';
import { issues } from '../control.test-util.js';

const withFederation = (federation: Record<string, unknown>, engine?: Record<string, unknown>) => ({ version: 1, ...(engine === undefined ? {} : { engine }), federation });

describe('config: federation', () => {
  it('is absent by default; present, it listens on loopback over tcp with no peers unless told', () => {
    expect(validateConfig({ version: 1 }).federation).toBeUndefined();
    expect(validateConfig(withFederation({ nodeId: 'a' })).federation).toEqual({ nodeId: 'a', cluster: 'pd', transport: 'tcp', listen: { host: '127.0.0.1', port: 0 }, peers: [] });
    const full = validateConfig(withFederation({
      nodeId: 'a', listen: { port: 7400 }, peers: [{ id: 'b', host: '10.0.0.2', port: 7400 }], secretFile: 'secret',
      policy: { send: { allow: ['/user/public'] }, spawn: { deny: ['/user'] } }, requestTimeoutMs: 2000,
    })).federation;
    expect(full).toMatchObject({ listen: { host: '127.0.0.1', port: 7400 }, peers: [{ id: 'b', host: '10.0.0.2', port: 7400 }], secretFile: 'secret', requestTimeoutMs: 2000 });
    expect(CONFIG_SCHEMA.properties.federation).toEqual({ $ref: '#/definitions/federation' });
  });

  it('names each mistake by its field path, with the library\'s own checks at federation.<field>', () => {
    expect(issues(withFederation({}))).toEqual([{ path: 'federation.nodeId', message: 'required field "nodeId" is missing' }]);
    expect(issues(withFederation({ nodeId: 'a', peers: [{ id: 'b', host: 'h', port: 0 }] }))[0]!.path).toBe('federation.peers[0].port');
    expect(issues(withFederation({ nodeId: 'a', secret: 'x' }))[0]).toEqual({ path: 'federation.secret', message: expect.stringMatching(/^unknown field "secret"; allowed here: .*secretFile/) });
    expect(issues(withFederation({ nodeId: 'a', transport: 'udp' }))[0]!.path).toBe('federation.transport');
    expect(issues(withFederation({ nodeId: 'a', peers: [{ id: 'b', host: 'h', port: 1 }, { id: 'b', host: 'h', port: 2 }] }))).toEqual([
      { path: 'federation.peers[1].id', message: "'b' is listed twice" },
    ]);
    expect(issues(withFederation({ nodeId: 'a', peers: [{ id: 'a', host: 'h', port: 1 }] }))).toEqual([{ path: 'federation.peers[0].id', message: "is this node's own id 'a'" }]);
    expect(issues(withFederation({ nodeId: 'a', transport: 'tls' }))).toEqual([{ path: 'federation.tls', message: "is required with transport 'tls' (cert and key)" }]);
    expect(issues(withFederation({ nodeId: 'a', policy: { send: { allow: ['user/x'] } } }))).toEqual([
      { path: 'federation.policy.send.allow[0]', message: 'must be an absolute path such as \'/user/workers\' (no trailing slash), got "user/x"' },
    ]);
  });

  it('takes the network poll spin (pollSpinUs, µs) and hands it to the library as limits.pollSpinUs; off when absent', () => {
    const section = validateConfig(withFederation({ nodeId: 'a', pollSpinUs: 200 })).federation!;
    expect(section.pollSpinUs).toBe(200);
    expect(federationOptions(section).limits).toEqual({ pollSpinUs: 200 });
    expect(federationOptions(validateConfig(withFederation({ nodeId: 'a' })).federation!).limits).toBeUndefined();
    for (const bad of [-1, 10_001, '200']) expect(issues(withFederation({ nodeId: 'a', pollSpinUs: bad }))[0]!.path).toBe('federation.pollSpinUs');
  });

  it('takes a membership choice: static (the peers list) or swim with seeds and timing overrides', () => {
    expect(validateConfig(withFederation({ nodeId: 'a', membership: { kind: 'static' } })).federation!.membership).toEqual({ kind: 'static' });
    const swim = { kind: 'swim', gossip: { port: 7946 }, seeds: [{ host: '10.0.0.2', port: 7946 }], advertiseHost: '10.0.0.1', timing: { probeIntervalMs: 500, probeTimeoutMs: 250 } };
    expect(validateConfig(withFederation({ nodeId: 'a', membership: swim })).federation!.membership).toEqual(swim);
    expect(CONFIG_SCHEMA.definitions.federationMembership.properties.timing.properties.probeIntervalMs).toMatchObject({ default: 1000 });
    // Sealing, passed to the library as it is.
    const sealed = validateConfig(withFederation({ nodeId: 'a', membership: { ...swim, encryption: 'always' } })).federation!;
    expect(federationOptions(sealed).membership).toMatchObject({ kind: 'swim', encryption: 'always' });
    expect(issues(withFederation({ nodeId: 'a', membership: { ...swim, encryption: 'sometimes' } }))[0]!.path).toBe('federation.membership.encryption');
  });

  it('names each membership mistake by its path, with the SWIM library\'s own checks at federation.membership.<field>', () => {
    expect(issues(withFederation({ nodeId: 'a', membership: {} }))).toEqual([{ path: 'federation.membership.kind', message: 'required field "kind" is missing' }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'gossip' } }))[0]!.path).toBe('federation.membership.kind');
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', seeds: [{ host: 'h', port: 0 }] } }))[0]!.path).toBe('federation.membership.seeds[0].port');
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', timing: { probeIntervalMz: 1 } } }))[0]!.path).toBe('federation.membership.timing.probeIntervalMz');
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', timing: { probeIntervalMs: 500, probeTimeoutMs: 600 } } }))).toEqual([{
      path: 'federation.membership.timing.probeTimeoutMs',
      message: 'must be below timing.probeIntervalMs (500), got 600: the indirect probes need the rest of the interval',
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', timing: { suspicionMult: 1 } } }))).toEqual([{
      path: 'federation.membership.timing.suspicionMult', message: 'must be an integer >= 2, got 1',
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'static', seeds: [] } }))[0]!.path).toBe('federation.membership.seeds');
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing: { strategy: 'static-quorum' } } }))).toEqual([{
      path: 'federation.membership.downing.quorumSize', message: "is required with strategy 'static-quorum'",
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing: { strategy: 'auto-down' } } }))[0]!.path).toBe('federation.membership.downing.strategy');
    const downing = { strategy: 'static-quorum', quorumSize: 2, stableAfterMs: 5000 };
    expect(validateConfig(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing } })).federation!.membership!.downing).toEqual(downing);
  });

  it('takes discovery (static, dns, etcd) and lease-majority downing with an etcd lease, passed to the library unchanged', () => {
    const swim = { kind: 'swim', gossip: { port: 7946 } };
    const dns = { kind: 'dns', name: '_gossip._tcp.pd.default.svc.cluster.local', type: 'SRV', servers: ['10.0.0.10'], refreshMs: 5000 };
    expect(validateConfig(withFederation({ nodeId: 'a', membership: swim, discovery: dns })).federation!.discovery).toEqual(dns);
    const etcd = { kind: 'etcd', endpoints: ['http://10.0.0.5:2379'], prefix: '/pd/prod', ttlMs: 5000 };
    expect(validateConfig(withFederation({ nodeId: 'a', membership: swim, discovery: etcd })).federation!.discovery).toEqual(etcd);
    const downing = { strategy: 'lease-majority', lease: { endpoints: ['http://10.0.0.5:2379'], key: '/pd/prod/lease', ttlMs: 5000 }, leaseWaitMs: 20000 };
    expect(validateConfig(withFederation({ nodeId: 'a', membership: { ...swim, downing } })).federation!.membership!.downing).toEqual(downing);
    const section = validateConfig(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'static', seeds: [{ host: 'h', port: 7946 }] } })).federation!;
    expect(federationOptions(section).discovery).toEqual({ kind: 'static', seeds: [{ host: 'h', port: 7946 }] });
  });

  it('names each discovery and lease mistake by its path', () => {
    const swim = { kind: 'swim' };
    expect(issues(withFederation({ nodeId: 'a', discovery: { kind: 'dns', name: 'pd', port: 7946 } }))).toEqual([{
      path: 'federation.discovery', message: "needs membership { kind: 'swim' } (discovery finds the seeds SWIM joins through)",
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'consul' } }))[0]!.path).toBe('federation.discovery.kind');
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'dns', name: 'pd' } }))).toEqual([{
      path: 'federation.discovery.port', message: "is required with type 'A' (the gossip port of every address; SRV records carry their own)",
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'dns', name: 'pd', type: 'MX' } }))[0]!.path).toBe('federation.discovery.type');
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'dns', name: 'pd', port: 1, endpoints: ['http://e:2379'] } }))).toEqual([{
      path: 'federation.discovery.endpoints', message: 'is not a dns discovery option (known: kind, name, type, port, servers, timeoutMs, refreshMs)',
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'etcd' } }))[0]!.path).toBe('federation.discovery.endpoints');
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'etcd', endpoints: ['10.0.0.5:2379'] } }))[0]!.path).toBe('federation.discovery.endpoints[0]');
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'static' } }))).toEqual([{ path: 'federation.discovery.seeds', message: 'must be an array of { host, port }, got undefined' }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing: { strategy: 'lease-majority' } } }))).toEqual([{
      path: 'federation.membership.downing.lease', message: "is required with strategy 'lease-majority' (the etcd endpoints, or a LeaseProvider)",
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing: { strategy: 'keep-majority', lease: { endpoints: ['http://e:2379'] } } } }))).toEqual([{
      path: 'federation.membership.downing.lease', message: "is for strategy 'lease-majority' only",
    }]);
    expect(issues(withFederation({ nodeId: 'a', membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { endpoints: ['http://e:2379'], ttlMs: 10 } } } }))[0]!.path)
      .toBe('federation.membership.downing.lease.ttlMs');
  });

  it('accepts a federation on a multi-core engine (its federation runs on core 0)', () => {
    expect(validateConfig(withFederation({ nodeId: 'a' }, { mode: 'multi', cores: 2 })).engine).toMatchObject({ mode: 'multi', cores: 2 });
  });

  it('makes the secret and certificate files absolute, relative to the config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-fed-config-'));
    const file = join(dir, 'pd.json');
    await writeFile(file, JSON.stringify(withFederation({ nodeId: 'a', transport: 'tls', secretFile: 'secret', tls: { cert: 'tls/cert.pem', key: '/etc/pd/key.pem', ca: 'ca.pem' } })));
    const config = await loadConfig(file);
    expect(config.federation).toMatchObject({ secretFile: join(dir, 'secret'), tls: { cert: join(dir, 'tls/cert.pem'), key: '/etc/pd/key.pem', ca: join(dir, 'ca.pem') } });
  });

  it('takes accepted secrets (a rotation) as files relative to the config, passed to the library as { file } sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-fed-accept-'));
    const file = join(dir, 'pd.json');
    await writeFile(file, JSON.stringify(withFederation({ nodeId: 'a', secretFile: 'new.secret', acceptSecretFiles: ['old.secret', '/etc/pd/older.secret'] })));
    const section = (await loadConfig(file)).federation!;
    expect(section.acceptSecretFiles).toEqual([join(dir, 'old.secret'), '/etc/pd/older.secret']);
    expect(federationOptions(section).acceptSecrets).toEqual([{ file: join(dir, 'old.secret') }, { file: '/etc/pd/older.secret' }]);
    expect(issues(withFederation({ nodeId: 'a', acceptSecretFiles: 'old.secret' }))[0]!.path).toBe('federation.acceptSecretFiles');
  });

  it('takes etcd over TLS with a user: files relative to the config, passed to the library as { file } / { env } sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pd-fed-etcd-'));
    const file = join(dir, 'pd.json');
    const security = { tls: { ca: 'etcd/ca.pem', cert: 'etcd/client.pem', key: '/etc/pd/etcd.key' }, auth: { username: 'pd', passwordFile: 'etcd/password' } };
    await writeFile(file, JSON.stringify(withFederation({
      nodeId: 'a',
      membership: { kind: 'swim', downing: { strategy: 'lease-majority', lease: { endpoints: ['https://10.0.0.5:2379'], tls: { ca: 'etcd/ca.pem' }, auth: { username: 'pd', passwordEnv: 'PD_ETCD_PASSWORD' } } } },
      discovery: { kind: 'etcd', endpoints: ['https://10.0.0.5:2379'], ...security },
    })));
    const section = (await loadConfig(file)).federation!;
    expect(section.discovery).toMatchObject({ tls: { ca: join(dir, 'etcd/ca.pem'), cert: join(dir, 'etcd/client.pem'), key: '/etc/pd/etcd.key' }, auth: { username: 'pd', passwordFile: join(dir, 'etcd/password') } });
    const options = federationOptions(section);
    expect(options.discovery).toEqual({
      kind: 'etcd', endpoints: ['https://10.0.0.5:2379'],
      tls: { ca: { file: join(dir, 'etcd/ca.pem') }, cert: { file: join(dir, 'etcd/client.pem') }, key: { file: '/etc/pd/etcd.key' } },
      auth: { username: 'pd', password: { file: join(dir, 'etcd/password') } },
    });
    expect((options.membership as { downing?: unknown }).downing).toEqual({
      strategy: 'lease-majority', lease: { endpoints: ['https://10.0.0.5:2379'], tls: { ca: { file: join(dir, 'etcd/ca.pem') } }, auth: { username: 'pd', password: { env: 'PD_ETCD_PASSWORD' } } },
    });
  });

  it('names each etcd security mistake by its config path', () => {
    const swim = { kind: 'swim' };
    const etcd = (extra: Record<string, unknown>) => withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'etcd', endpoints: ['https://e:2379'], ...extra } });
    expect(issues(etcd({ auth: { username: 'pd' } }))).toEqual([{ path: 'federation.discovery.auth.passwordFile', message: expect.stringMatching(/must be a non-empty string, \{ env: NAME \} or \{ file: PATH \}/) }]);
    expect(issues(etcd({ auth: { username: 'pd', passwordFile: 'p', passwordEnv: 'P' } }))).toEqual([{ path: 'federation.discovery.auth.passwordEnv', message: 'and passwordFile are two sources for one password: give one' }]);
    expect(issues(etcd({ auth: { passwordFile: 'p' } }))[0]!.path).toBe('federation.discovery.auth.username');
    expect(issues(etcd({ tls: { cert: 'c.pem' } }))[0]!.path).toBe('federation.discovery.tls.key');
    expect(issues(etcd({ tls: { crt: 'c.pem' } }))[0]!.path).toBe('federation.discovery.tls.crt');
    expect(issues(withFederation({ nodeId: 'a', membership: swim, discovery: { kind: 'etcd', endpoints: ['http://e:2379'], tls: { ca: 'ca.pem' } } }))[0]).toEqual({
      path: 'federation.discovery.tls', message: 'is for https:// endpoints, and every endpoint is http://',
    });
  });
});
