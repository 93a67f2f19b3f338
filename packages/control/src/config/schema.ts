/**
 * The pd config contract, version 1, as a JSON Schema (draft-07, so editors validate it
 * too: point `"$schema"` at the output of `pd schema`). This object is the single source
 * of truth: the validator compiles it, `pd schema` prints it, docs/config.md explains it.
 * Changing what a version-1 file means is a breaking change; new versions get new schemas.
 */

import { FEDERATION_DEFINITIONS, FEDERATION_PROPERTY } from './federation.js';
import { PLUGIN_DEFINITIONS, PLUGINS_PROPERTY } from './plugins.js';

/** The config version this build reads. */
export const CONFIG_VERSION = 1;

/** Names: letters, digits and `_ - . : @ +`, as for actor names (@pd/actor path.ts). */
const NAME = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_\\-.:@+]*$', minLength: 1, maxLength: 128 } as const;
const POSITIVE_MS = { type: 'number', exclusiveMinimum: 0, maximum: 86_400_000 } as const;
/** A node id, as the federation's `nodeId`. */
const NODE_ID = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** The JSON Schema of a version-1 config file. */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:pd:config:1',
  title: 'pd config (version 1)',
  description: 'What `pd start --config FILE` starts: the engine, its control plane, the modules that define actor kinds, and the supervision tree.',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string', description: 'Where an editor finds this schema; ignored by pd.' },
    version: { const: CONFIG_VERSION, description: 'The contract version. This build reads version 1.' },
    engine: { $ref: '#/definitions/engine' },
    control: { $ref: '#/definitions/control' },
    modules: {
      type: 'array',
      description: 'ES modules that export `kinds` (an array of kinds); paths relative to the config file.',
      maxItems: 64,
      items: { type: 'string', minLength: 1, maxLength: 4096 },
    },
    tree: { $ref: '#/definitions/supervisor' },
    telemetry: { $ref: '#/definitions/telemetry' },
    plugins: PLUGINS_PROPERTY,
    federation: FEDERATION_PROPERTY,
    metadata: {
      type: 'object',
      description: 'Free-form labels shown by `pd status`.',
      maxProperties: 64,
      additionalProperties: { type: 'string', maxLength: 1024 },
    },
  },
  definitions: {
    ...PLUGIN_DEFINITIONS,
    ...FEDERATION_DEFINITIONS,
    engine: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: {
          type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', minLength: 1, maxLength: 64, default: 'engine',
          description: 'The engine id: names the state file and selects the engine with `pd --engine ID`.',
        },
        mode: { enum: ['single', 'multi'], default: 'single', description: '`single`: one core on the main thread; `multi`: thread per core.' },
        cores: { type: 'integer', minimum: 1, maximum: 64, default: 1, description: 'Cores in `multi` mode (at most 64, the runtime\'s cap); 1 in `single` mode.' },
        placement: {
          type: 'object',
          additionalProperties: false,
          description: '`multi` mode: the core each spawn without a placement runs on — `default` for every kind, `kinds` per kind name (a supervisor\'s children follow their kind).',
          properties: {
            default: { enum: ['local', 'any', 'hash'], default: 'local', description: '`local`: the spawner\'s core; `any`: round robin; `hash`: by the actor\'s path.' },
            kinds: {
              type: 'object',
              maxProperties: 1024,
              description: 'Per kind name: `local`, `any`, `hash` or `{ "core": N }`.',
              additionalProperties: {
                anyOf: [
                  { enum: ['local', 'any', 'hash'] },
                  { type: 'object', additionalProperties: false, required: ['core'], properties: { core: { type: 'integer', minimum: 0, maximum: 63 } } },
                ],
              },
            },
          },
        },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Seed of the random streams; random when absent.' },
        budget: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Messages an actor handles per turn before it yields.' },
        sliceMs: { ...POSITIVE_MS, description: 'Longest an engine drain holds the event loop, ms.' },
        askTimeoutMs: { ...POSITIVE_MS, description: 'Default ask timeout, ms.' },
        stopTimeoutMs: { ...POSITIVE_MS, description: 'How long a stop hook may run before the actor is killed, ms.' },
        shutdownDeadlineMs: { ...POSITIVE_MS, default: 10_000, description: 'Graceful shutdown deadline for `pd stop`, ms.' },
        terminatedHistory: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Terminated actors kept for `pd dead`.' },
        deadLetterHistory: { type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Dead letters kept for `pd dead`.' },
      },
    },
    control: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the control plane (`pd` needs it).' },
        host: { type: 'string', minLength: 1, maxLength: 253, default: '127.0.0.1', description: 'Address to bind; loopback unless allowRemote.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'TCP port; 0 picks a free one (written to the state file).' },
        allowRemote: { type: 'boolean', default: false, description: 'Allow a non-loopback host. The token then crosses the network in clear: use a tunnel.' },
        stateDir: { type: 'string', minLength: 1, maxLength: 4096, description: 'Where the state file (endpoint and token, mode 0600) goes; relative to the config file.' },
        maxConnections: { type: 'integer', minimum: 1, maximum: 1024, default: 16, description: 'Connections served at once.' },
        maxRequestBytes: { type: 'integer', minimum: 1024, maximum: 67_108_864, default: 1_048_576, description: 'Largest request frame, bytes.' },
        maxInFlight: { type: 'integer', minimum: 1, maximum: 1024, default: 32, description: 'Requests in flight per connection.' },
        handshakeTimeoutMs: { type: 'integer', minimum: 100, maximum: 60_000, default: 5000, description: 'How long a connection may take to finish its authenticated WebSocket handshake before it is closed, ms.' },
        maxPendingConnections: { type: 'integer', minimum: 1, maximum: 4096, default: 64, description: 'Connections still in their handshake (not yet authenticated) at once; more are refused with HTTP 503.' },
      },
    },
    telemetry: {
      type: 'object',
      description: 'Observability: a Prometheus endpoint with health checks, OTLP export, sampled tracing, logs, and the web observer (docs/observability.md).',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Serve metrics and health (`/metrics`, `/healthz`, `/readyz`) and start the OpenTelemetry SDK.' },
        metrics: {
          type: 'object',
          additionalProperties: false,
          properties: {
            host: { type: 'string', minLength: 1, maxLength: 253, default: '127.0.0.1', description: 'Address of the metrics and health endpoint; loopback unless allowRemote.' },
            port: { type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: 'TCP port of the metrics and health endpoint; 0 picks a free one (shown by `pd status`).' },
            allowRemote: { type: 'boolean', default: false, description: 'Allow a non-loopback host for the metrics endpoint (it has no token).' },
          },
        },
        otlp: {
          type: 'object',
          additionalProperties: false,
          required: ['endpoint'],
          properties: {
            endpoint: { type: 'string', pattern: '^https?://', minLength: 8, maxLength: 2048, description: 'OTLP/HTTP base URL (metrics to /v1/metrics, spans to /v1/traces), e.g. http://127.0.0.1:4318.' },
          },
        },
        sampling: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Fraction of root traces sampled (0: no spans).' },
        log: {
          type: 'object',
          additionalProperties: false,
          properties: {
            level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info', description: 'Least severe level logged.' },
            format: { enum: ['json', 'pretty', 'auto'], default: 'auto', description: '`json`: one JSON object per line; `pretty`: human lines; `auto`: pretty for `--foreground` on a terminal, else JSON.' },
          },
        },
        observer: { type: 'boolean', default: false, description: 'Serve the web observer at /observer/ on the control-plane endpoint (loopback and token, like `pd`).' },
      },
    },
    restart: { enum: ['permanent', 'transient', 'temporary'], description: 'permanent: always restarted; transient: only after an abnormal exit; temporary: never.' },
    shutdown: {
      description: 'How a child is stopped: ms its stop hook may run before it is killed, `brutal` (killed at once), or `infinity`.',
      anyOf: [{ type: 'integer', minimum: 0, maximum: 86_400_000 }, { enum: ['brutal', 'infinity'] }],
    },
    backoff: {
      type: ['object', 'boolean'],
      description: 'Restart backoff: the n-th consecutive restart waits min(maxMs, initialMs * factor^n) ms, less up to `jitter` of it at random; `false`: restart at once.',
      additionalProperties: false,
      properties: {
        initialMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
        maxMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
        factor: { type: 'number', minimum: 1, maximum: 1000 },
        jitter: { type: 'number', minimum: 0, maximum: 1 },
        resetAfterMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
      },
    },
    supervisor: {
      type: 'object',
      description: 'A supervisor: its restart strategy and children. The top-level `tree` is the root supervisor.',
      additionalProperties: false,
      properties: {
        id: { ...NAME, default: 'root', description: 'Path segment of the root supervisor under /user.' },
        strategy: { $ref: '#/definitions/strategy' },
        intensity: { $ref: '#/definitions/intensity' },
        periodMs: { $ref: '#/definitions/periodMs' },
        backoff: { $ref: '#/definitions/backoff' },
        children: { type: 'array', maxItems: 10_000, items: { $ref: '#/definitions/child' } },
      },
    },
    strategy: { enum: ['one-for-one', 'one-for-all', 'rest-for-one'], default: 'one-for-one', description: 'Which children restart when one must: itself only, all, or itself and those started after it.' },
    intensity: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 1, description: 'Restarts allowed within periodMs before the supervisor gives up (OTP default: 1).' },
    periodMs: { ...POSITIVE_MS, default: 5000 },
    child: {
      type: 'object',
      description: 'A child spec (after OTP): a worker has `kind`, a supervisor has `children`.',
      additionalProperties: false,
      required: ['id'],
      oneOf: [{ required: ['kind'] }, { required: ['children'] }],
      properties: {
        id: { ...NAME, description: 'Unique among siblings; the path segment of the child.' },
        kind: { ...NAME, description: 'Worker: the kind to start, from a module in `modules`.' },
        args: { description: 'Worker: the arguments handed to the kind (JSON).' },
        restart: { $ref: '#/definitions/restart' },
        shutdown: { $ref: '#/definitions/shutdown' },
        register: { ...NAME, description: 'Worker: a unique name to register it under.' },
        clusterName: { ...NAME, description: 'Worker: a name to register it under in the cluster registry (needs `federation`): kept registered, for each incarnation of the actor, whenever no other node holds it.' },
        clusterGroups: {
          type: 'array', maxItems: 16, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 1024 },
          description: 'Worker or supervisor: process groups its actor joins (needs `federation`): every node lists it among each group\'s members, and group sends and publishes reach it. Kept: each incarnation of the actor joins again.',
        },
        clusterPrefix: { type: 'boolean', description: 'Worker or supervisor: claim its own path (`/user/ROOT/.../ID`) as a path prefix in the cluster registry, held by its actor (needs `federation`): every node resolves paths at and below it to this node. Kept claimed, for each incarnation of the actor, whenever no other node holds it.' },
        mailbox: {
          type: 'object',
          additionalProperties: false,
          properties: {
            capacity: { type: 'integer', minimum: 1, maximum: 100_000_000 },
            overflow: { enum: ['drop-newest', 'drop-oldest', 'reject', 'backpressure'] },
            maxWaiters: { type: 'integer', minimum: 0, maximum: 100_000_000 },
          },
        },
        budget: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        placement: {
          description: 'Worker: run it on another node of the cluster (needs `federation`) — `{ "node": ID }`, or `{ "nodes": [ID, ...] }` for the first of them not cut off from this node; its supervisor supervises a local stand-in that mirrors it.',
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['node'], properties: { node: NODE_ID } },
            { type: 'object', additionalProperties: false, required: ['nodes'], properties: { nodes: { type: 'array', minItems: 1, maxItems: 64, items: NODE_ID } } },
          ],
        },
        backoff: { $ref: '#/definitions/backoff' },
        strategy: { $ref: '#/definitions/strategy' },
        intensity: { $ref: '#/definitions/intensity' },
        periodMs: { $ref: '#/definitions/periodMs' },
        children: { type: 'array', maxItems: 10_000, items: { $ref: '#/definitions/child' } },
      },
    },
  },
} as const;
