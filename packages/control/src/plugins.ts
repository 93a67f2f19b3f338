/**
 * The config's plugins at boot: each `plugins[i].file` read and compiled by @pd/plugin
 * (ABI check, fuel instrumentation, limits) before the engine starts, so a bad module is
 * a config error naming its field and nothing starts; then, once the engine exists, a
 * `PluginHost` on it with those plugins loaded, which the `plugin.*` control methods
 * manage. @pd/plugin is imported here on first use only: commands that never start an
 * engine do not load it.
 */
import { readFile } from 'node:fs/promises';
import type { Engine } from '@pd/runtime';
import type { CompiledPlugin, PluginHost } from '@pd/plugin';
import type { PdConfig } from './config/types.js';
import { ConfigError, type ConfigIssue } from './config/validate.js';

/** The config's plugins, checked and compiled; throws a {@link ConfigError} naming each bad one. */
export async function compileConfigPlugins(config: PdConfig): Promise<CompiledPlugin[]> {
  const plugins = config.plugins ?? [];
  if (plugins.length === 0) return [];
  const { compilePlugin, isPluginError } = await import('@pd/plugin');
  const issues: ConfigIssue[] = [];
  const out: CompiledPlugin[] = [];
  for (const [i, spec] of plugins.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(spec.file));
    } catch (error) {
      issues.push({ path: `plugins[${i}].file`, message: `cannot read ${spec.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      continue;
    }
    try {
      out.push(compilePlugin(spec.name, bytes, spec.limits));
    } catch (error) {
      if (!isPluginError(error)) throw error;
      const field = error.code === 'plugin/invalid-options' ? 'limits' : 'file';
      issues.push({ path: `plugins[${i}].${field}`, message: `plugin "${spec.name}" refused: ${error.message}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, config.file);
  return out;
}

/**
 * A plugin host on `engine` with `compiled` loaded (each registered as a kind of its
 * name). Plugin log lines go to the engine's logger, at their level, with the plugin and
 * the actor's path.
 */
export async function startPluginHost(engine: Engine, compiled: readonly CompiledPlugin[]): Promise<PluginHost> {
  const { PluginHost } = await import('@pd/plugin');
  const host = new PluginHost(engine, {
    onLog: (entry) => engine.logger.log?.(entry.level, entry.text, { plugin: entry.plugin, path: entry.path }),
  });
  for (const plugin of compiled) host.load(plugin);
  return host;
}
