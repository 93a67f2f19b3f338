/**
 * Network configuration as a user writes it, and turning it into a {@link NetNode}: the
 * carrier is chosen here (`tcp`, `tls`, `ws`), so the layers above never know which.
 * Owns: loading secrets, keys and certificates from the config, the environment or files —
 * a file must be readable by its owner only (mode 0600, like the control plane's state
 * file) — and never putting a secret into an error, a log or an event.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Codec } from '../codec.js';
import { TransportError } from '../errors.js';
import type { NetClock } from './clock.js';
import type { NetLimits } from './limits.js';
import { resolveLimits } from './limits.js';
import { NetNode, type NetEvent } from './node.js';
import type { Carrier, NetAddress } from './stream.js';
import { tcpCarrier } from './tcp.js';
import { tlsCarrier } from './tls.js';
import { wsCarrier } from './ws.js';

/** A secret: inline (tests only, please), from an environment variable, or from a file of mode 0600. */
export type SecretSource = string | { readonly env: string } | { readonly file: string };

/** The environment variable read for the cluster secret when the config names none. */
export const SECRET_ENV = 'PD_CLUSTER_SECRET';

export interface NetConfig {
  readonly transport: 'tcp' | 'tls' | 'ws';
  readonly nodeId: string;
  readonly cluster: string;
  readonly incarnation: number;
  readonly listen?: { readonly host?: string; readonly port: number };
  /** The shared cluster secret (at least 16 bytes). Default: `$PD_CLUSTER_SECRET`. Optional under mutual TLS. */
  readonly secret?: SecretSource;
  /** Other secrets peers may prove with while the secret is rotated (`NetNodeOptions.acceptSecrets`). */
  readonly acceptSecrets?: readonly SecretSource[];
  readonly tls?: {
    readonly cert: SecretSource;
    readonly key: SecretSource;
    readonly ca?: SecretSource;
    /** Require client certificates signed by `ca` (mutual TLS). */
    readonly mutual?: boolean;
    readonly servername?: string;
  };
  readonly limits?: Partial<NetLimits>;
}

export interface NetRuntime {
  readonly clock: NetClock;
  readonly codec: Codec;
  readonly onEvent?: (event: NetEvent) => void;
  /** Environment to read secrets from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A node for `config` (not started: call `start()`). */
export async function createNetNode(config: NetConfig, runtime: NetRuntime): Promise<NetNode> {
  const env = runtime.env ?? process.env;
  const limits = resolveLimits(config.limits);
  const carrier = await carrierFor(config, limits, env);
  const mutual = config.transport === 'tls' && config.tls?.mutual === true;
  const secretSource = config.secret ?? (env[SECRET_ENV] !== undefined || !mutual ? { env: SECRET_ENV } : undefined);
  const secret = secretSource === undefined ? null : await loadSecret(secretSource, 'secret', env);
  const acceptSecrets = await loadSecrets(config.acceptSecrets, 'acceptSecrets', env);
  const listen: NetAddress | undefined = config.listen === undefined ? undefined : { host: config.listen.host ?? '127.0.0.1', port: config.listen.port };
  return new NetNode({
    clock: runtime.clock, codec: runtime.codec, carrier, nodeId: config.nodeId, cluster: config.cluster,
    incarnation: config.incarnation, secret, limits, ...(listen === undefined ? {} : { listen }), ...(acceptSecrets.length === 0 ? {} : { acceptSecrets }),
    ...(runtime.onEvent === undefined ? {} : { onEvent: runtime.onEvent }),
  });
}

/** Loads a list of secrets (`field[i]` in errors); none for undefined. */
export async function loadSecrets(sources: readonly SecretSource[] | undefined, field: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Buffer[]> {
  if (sources === undefined) return [];
  if (!Array.isArray(sources)) throw secretError(field, 'must be an array of secrets (each a string, { env } or { file })');
  const out: Buffer[] = [];
  for (let i = 0; i < sources.length; i++) out.push(await loadSecret(sources[i]!, `${field}[${i}]`, env));
  return out;
}

/**
 * Loads a secret's bytes. Errors name the field and where it was looked for, never its value;
 * a file readable by group or others is refused.
 */
export async function loadSecret(source: SecretSource, field: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Buffer> {
  if (typeof source === 'string') return checkLength(Buffer.from(source, 'utf8'), field, 'the config');
  if (typeof source !== 'object' || source === null) throw secretError(field, 'must be a string, { env } or { file }');
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value === '') throw secretError(field, `environment variable ${source.env} is not set`);
    return checkLength(Buffer.from(value, 'utf8'), field, `$${source.env}`);
  }
  if ('file' in source) {
    let info: Stats;
    try {
      info = await stat(source.file);
    } catch (error) {
      throw secretError(field, `file ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    // Not a pipe or a device (a read that never ends), nor something far larger than any secret.
    if (!info.isFile()) throw secretError(field, `${source.file} is not a regular file`);
    if (info.size > MAX_SECRET_FILE_BYTES) throw secretError(field, `file ${source.file} is larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB: not a secret, a key or a password`);
    const mode = info.mode;
    if ((mode & 0o077) !== 0) {
      throw secretError(field, `file ${source.file} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    const bytes = await readFile(source.file);
    return checkLength(isClusterSecret(field) ? trimNewline(bytes) : bytes, field, source.file);
  }
  throw secretError(field, 'must be a string, { env } or { file }');
}

// --- internal ---

/** The largest secret file read (a secret, a private key with its chain, a password are far smaller). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

async function carrierFor(config: NetConfig, limits: NetLimits, env: Readonly<Record<string, string | undefined>>): Promise<Carrier> {
  switch (config.transport) {
    case 'tcp':
      return tcpCarrier();
    case 'ws':
      return wsCarrier({ maxPayload: limits.maxWriteBytes + limits.maxFrameBytes + 64 });
    case 'tls': {
      const tls = config.tls;
      if (tls === undefined) throw new TransportError('net/config', "transport 'tls' needs tls.cert and tls.key", { field: 'tls' });
      return tlsCarrier({
        cert: await loadPem(tls.cert, 'tls.cert', env), key: await loadSecret(tls.key, 'tls.key', env),
        ...(tls.ca === undefined ? {} : { ca: await loadPem(tls.ca, 'tls.ca', env) }),
        mutual: tls.mutual === true, ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      });
    }
    default:
      throw new TransportError('net/config', `transport must be 'tcp', 'tls' or 'ws', got ${String((config as { transport: unknown }).transport)}`, { field: 'transport' });
  }
}

/** Loads a certificate's PEM like {@link loadSecret}, except that a file needs no special mode (certificates are public). */
export async function loadPem(source: SecretSource, field: string, env: Readonly<Record<string, string | undefined>>): Promise<Buffer> {
  if (typeof source === 'object' && source !== null && 'file' in source) {
    try {
      return await readFile(source.file);
    } catch (error) {
      throw secretError(field, `file ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return loadSecret(source, field, env);
}

function checkLength(bytes: Buffer, field: string, where: string): Buffer {
  if (isClusterSecret(field) && bytes.length < 16) throw secretError(field, `from ${where} is shorter than 16 bytes`);
  return bytes;
}

/** Whether `field` holds a cluster secret (`secret`, `acceptSecrets[i]`): at least 16 bytes, a file's last newline dropped. */
function isClusterSecret(field: string): boolean {
  return field === 'secret' || field.startsWith('acceptSecrets[');
}

function trimNewline(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}

function secretError(field: string, why: string): TransportError {
  return new TransportError('net/secret', `${field}: ${why}`, { field });
}
