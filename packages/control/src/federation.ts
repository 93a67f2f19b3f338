/**
 * The config's federation at boot: its secret and key files checked before anything starts
 * (present, and readable by their owner only — a cluster secret others can read is refused
 * as the control token's state file would be), then a `Federation` (@pd/federation) whose
 * router the engine is created with, started once the engine exists and closed after it
 * stops. Also what `pd status` shows of the node. @pd/federation's runtime parts are
 * imported here on first use only.
 */
import { stat } from 'node:fs/promises';
import { PdError } from '@pd/actor';
import type { DowningDecision, Federation } from '@pd/federation';
import type { Engine } from '@pd/runtime';
import { type EtcdSecurityConfig, configField, federationOptions } from './config/federation.js';
import type { PdConfig } from './config/types.js';
import { ConfigError, type ConfigIssue } from './config/validate.js';

/**
 * The config's federation, created (not started), or null when it has none. Throws a
 * {@link ConfigError} at `federation.secretFile` / `federation.tls.key` (or an etcd key or password file) for a file that is
 * missing or readable by group or others.
 */
export async function createConfigFederation(config: PdConfig, onDowned?: (decision: DowningDecision) => void): Promise<Federation | null> {
  const section = config.federation;
  if (section === undefined) return null;
  const issues: ConfigIssue[] = [];
  if (section.secretFile !== undefined) issues.push(...(await privateFileIssues(section.secretFile, 'federation.secretFile', 'cluster secret')));
  for (const [i, file] of (section.acceptSecretFiles ?? []).entries()) {
    issues.push(...(await privateFileIssues(file, `federation.acceptSecretFiles[${i}]`, 'accepted cluster secret')));
  }
  if (section.tls !== undefined) {
    issues.push(...(await privateFileIssues(section.tls.key, 'federation.tls.key', 'private key')));
    for (const field of ['cert', 'ca'] as const) {
      const file = section.tls[field];
      if (file !== undefined) issues.push(...(await readableIssues(file, `federation.tls.${field}`)));
    }
  }
  const etcd: [string, EtcdSecurityConfig | undefined][] = [
    ['federation.discovery', section.discovery?.kind === 'etcd' ? section.discovery : undefined],
    ['federation.membership.downing.lease', section.membership?.downing?.lease],
  ];
  for (const [at, spec] of etcd) {
    if (spec?.tls?.key !== undefined) issues.push(...(await privateFileIssues(spec.tls.key, `${at}.tls.key`, 'private key')));
    if (spec?.auth?.passwordFile !== undefined) issues.push(...(await privateFileIssues(spec.auth.passwordFile, `${at}.auth.passwordFile`, 'etcd password')));
    for (const field of ['cert', 'ca'] as const) {
      const file = spec?.tls?.[field];
      if (file !== undefined) issues.push(...(await readableIssues(file, `${at}.tls.${field}`)));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, config.file);
  const { createFederation } = await import('@pd/federation');
  return createFederation({ ...federationOptions(section), ...(onDowned === undefined ? {} : { onDowned }) });
}

/**
 * Start `federation` on `engine`. What the config must change to fix is a
 * {@link ConfigError} naming the field: a secret that does not load (too short, an unset
 * `$PD_CLUSTER_SECRET`) at `federation.secretFile`, a certificate at `federation.tls.*`, a
 * listen address in use or not this machine's at `federation.listen`.
 */
export async function startConfigFederation(federation: Federation, engine: Engine, config: PdConfig): Promise<void> {
  try {
    await federation.start(engine);
  } catch (error) {
    const field = error instanceof PdError ? error.details?.field : undefined;
    if (typeof field === 'string') {
      const path = `federation.${configField(field)}`;
      throw new ConfigError([{ path, message: (error as PdError).message.replace(/^[a-z-]+\/[a-z-]+: /, '') }], config.file);
    }
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      const { host, port } = config.federation!.listen;
      const why = code === 'EADDRINUSE' ? 'the port is in use (give another, or 0 for a free one)' : code === 'EACCES' ? 'not allowed to bind it' : 'the host is not an address of this machine';
      throw new ConfigError([{ path: 'federation.listen', message: `cannot listen on ${host}:${port}: ${code}, ${why}` }], config.file);
    }
    throw error;
  }
}

/** What `engine.status` reports of the node (static once the federation has started). */
export function federationDetails(federation: Federation, config: PdConfig): Record<string, unknown> {
  const address = federation.address;
  return {
    nodeId: federation.nodeId, cluster: config.federation?.cluster, transport: config.federation?.transport,
    incarnation: federation.incarnation, listen: address === null ? null : { host: address.host, port: address.port },
  };
}

// --- internal ---

async function privateFileIssues(file: string, path: string, what: string): Promise<ConfigIssue[]> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    return [{ path, message: `cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }];
  }
  if ((mode & 0o077) !== 0) {
    return [{ path, message: `the ${what} file ${file} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it` }];
  }
  return [];
}

async function readableIssues(file: string, path: string): Promise<ConfigIssue[]> {
  try {
    await stat(file);
    return [];
  } catch (error) {
    return [{ path, message: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }];
  }
}
