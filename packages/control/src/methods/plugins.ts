/**
 * Plugin methods: load, list, info, unload and reload the engine's WebAssembly plugins
 * through its `PluginHost` (@pd/plugin). Modules travel as base64 in the request (`wasm`),
 * so `pd plugin load` works against any engine it can reach, bounded by the control
 * plane's request size. Unload waits (bounded) until the plugin's actors have exited and
 * reports any supervisor that gave up because of it; reload answers once every running
 * actor of the plugin has been swapped to the new version.
 */
import { Down, type ExitReason } from '@pd/actor';
import type { PluginHost, PluginInfo, PluginLimits } from '@pd/plugin';
import { ControlError, type ControlErrorCode } from '../errors.js';
import { withEscalations } from '../escalations.js';
import type { Params } from '../params.js';
import { exitToWire } from '../wire.js';
import type { ControlHost, MethodTable } from './types.js';

/** How long unload waits for the plugin's actors to exit, ms. */
const UNLOAD_WAIT_MS = 60_000;
/** Base64 text only (padding at the end), so a typo is not silently decoded into garbage. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const pluginMethods: MethodTable = {
  'plugin.load': {
    params: ['name', 'wasm', 'limits'],
    summary: 'Load a WebAssembly plugin (module bytes as base64 in `wasm`) under `name`, with optional limits; its kind can then be spawned.',
    run: (p, host) => {
      const plugins = pluginHost(host);
      const name = p.string('name');
      const wasm = moduleBytes(p, 'plugin.load');
      const limits = limitsParam(p, 'plugin.load');
      return toWireInfo(guard(() => plugins.load(wasm, { name, ...(limits !== undefined ? { limits } : {}) })));
    },
  },
  'plugin.list': {
    params: [],
    summary: 'Loaded plugins: name, ABI version, version, live actors, fuel used, memory, limits.',
    run: (_p, host) => ({ plugins: pluginHost(host).list().map(toWireInfo) }),
  },
  'plugin.info': {
    params: ['name'],
    summary: 'One loaded plugin: ABI version, imports, limits, version, live actors, fuel used, messages, memory, failures by reason.',
    run: (p, host) => {
      const plugins = pluginHost(host);
      const name = p.string('name');
      return toWireInfo(guard(() => plugins.info(name)));
    },
  },
  'plugin.unload': {
    params: ['name'],
    summary: 'Unload a plugin: its actors stop with shutdown / plugin-unloaded (waits until they have exited); its kind no longer spawns.',
    run: async (p, host) => {
      const plugins = pluginHost(host);
      const name = p.string('name');
      guard(() => plugins.info(name));
      const { engine } = host;
      let reason: ExitReason | null = null; // what the actors exited with (shutdown / plugin-unloaded)
      const { result, escalations } = await withEscalations(engine, async () => {
        const client = engine.client();
        try {
          const refs = new Set(engine.list({ kind: name }).map((a) => client.monitor(a.addr)));
          const result = guard(() => plugins.unload(name));
          const deadline = Date.now() + UNLOAD_WAIT_MS;
          while (refs.size > 0) {
            const down = await client.receive<Down>({ match: (m): m is Down => m instanceof Down && refs.has(m.ref), timeoutMs: Math.max(1, deadline - Date.now()) }).catch((error: unknown) => {
              if ((error as { code?: string }).code !== 'receive/timeout') throw error;
              throw new ControlError('op/timeout', `${refs.size} actors of plugin "${name}" did not exit within ${UNLOAD_WAIT_MS} ms`, { hint: 'see `pd ps`; `pd kill` them' });
            });
            refs.delete(down.ref);
            reason ??= down.reason;
          }
          return result;
        } finally {
          if (!client.closed) client.close();
        }
      });
      return { name, stopped: result.stopped, reason: reason === null ? null : exitToWire(reason), escalations };
    },
  },
  'plugin.reload': {
    params: ['name', 'wasm', 'limits'],
    summary: 'Replace a plugin with a new version (base64 `wasm`): its running actors switch through hot swap, keeping mailboxes; a refused module changes nothing.',
    run: (p, host) => {
      const plugins = pluginHost(host);
      const name = p.string('name');
      const wasm = moduleBytes(p, 'plugin.reload');
      const limits = limitsParam(p, 'plugin.reload');
      const result = guard(() => plugins.reload(name, wasm, limits !== undefined ? { limits } : {}));
      return { ...toWireInfo(result), swapped: result.swapped };
    },
  },
};

// --- internal ---

function pluginHost(host: ControlHost): PluginHost {
  if (host.plugins === undefined) {
    throw new ControlError('plugin/unavailable', 'this engine has no plugin host', { hint: 'engines started with `pd start` have one; an embedding passes `plugins` to its ControlServer host' });
  }
  return host.plugins;
}

function moduleBytes(p: Params, method: string): Uint8Array {
  const text = p.require('wasm');
  if (typeof text !== 'string' || text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new ControlError('rpc/invalid-params', `${method}: param "wasm" must be the module's bytes in base64 (standard alphabet, padded)`);
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function limitsParam(p: Params, method: string): PluginLimits | undefined {
  const limits = p.value('limits');
  if (limits === undefined) return undefined;
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new ControlError('rpc/invalid-params', `${method}: param "limits" must be an object (see docs/plugins.md, "Limiting")`);
  return limits as PluginLimits; // resolveLimits checks every field and names a bad one
}

/** Runs a plugin host call, turning a PluginError into the matching control error. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof Error) || error.name !== 'PluginError' || typeof code !== 'string') throw error;
    const mapped: ControlErrorCode = code === 'plugin/not-loaded' ? 'plugin/not-loaded' : code === 'plugin/name-taken' ? 'plugin/name-taken' : 'plugin/refused';
    const hint = mapped === 'plugin/not-loaded' ? 'see `pd plugin list`' : mapped === 'plugin/name-taken' ? 'reload it, unload it first, or load under another --name' : 'see docs/plugins.md and docs/plugin-abi.md';
    throw new ControlError(mapped, error.message, { hint, data: { cause: code } });
  }
}

function toWireInfo(info: PluginInfo): Record<string, unknown> {
  return {
    name: info.name, abiVersion: info.abiVersion, version: info.version, imports: [...info.imports], limits: info.limits,
    actors: info.actors, fuelUsed: info.fuelUsed, messages: info.messages, memoryBytes: info.memoryBytes, failures: info.failures,
    sourceBytes: info.sourceBytes, instrumentedBytes: info.instrumentedBytes,
  };
}
