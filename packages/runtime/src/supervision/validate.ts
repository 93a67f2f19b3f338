/**
 * Spec checking: turns a user's {@link SupervisorSpec} into the normalized form the
 * supervisor runs on, refusing every malformed field with a {@link SupervisorError} that
 * names the child and the field. Checks that need an engine (does a kind name exist?) are
 * in {@link checkKinds}. Must not: spawn, or keep any state between calls.
 */
import { type AnyAddr, type AnyBehavior, Kind, type MailboxOptions, type Placement, type Spawnable, describeType, nameProblem } from '@pd/actor';
import type { KindRegistry } from '../kernel/kinds.js';
import { Mailbox } from '../kernel/mailbox.js';
import { isNodePlacement, placementNodes } from '../kernel/node-child.js';
import { SupervisorError } from './errors.js';
import {
  type BackoffSpec, type ChildSpec, type RestartPolicy, type RestartWindowPolicy, SUPERVISOR_DEFAULTS, type ShutdownSpec,
  type StrategyName, type SupervisorSpec,
} from './spec.js';
import { isStableAddr } from './stable-addr.js';

/** Marks a class made by `supervisor(spec)`; holds its normalized spec. */
export const SUPERVISOR_SPEC: unique symbol = Symbol('pd.supervisor.spec');

/** The longest finite stop timeout the engine's timers can arm (Node caps timers at 2^31-1 ms); stands for `infinity`. */
export const INFINITE_STOP_MS = 2_147_483_647;

export interface NormalizedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly resetAfterMs: number;
}

export interface NormalizedChild {
  readonly id: string;
  /** What the engine spawns: a kind, kind name, class, or a class wrapping the factory. */
  readonly definition: Spawnable;
  readonly args: unknown;
  readonly restart: RestartPolicy;
  readonly shutdown: ShutdownSpec;
  /** The spawn option `stopTimeoutMs` every incarnation gets (the shutdown timeout, or "infinite"). */
  readonly stopTimeoutMs: number;
  readonly isSupervisor: boolean;
  readonly mailbox: MailboxOptions | undefined;
  readonly register: string | undefined;
  readonly budget: number | undefined;
  readonly stable: AnyAddr | null;
  readonly backoff: NormalizedBackoff | null;
  readonly placement: Placement | undefined;
}

export interface NormalizedSupervisorSpec {
  readonly strategy: StrategyName;
  readonly intensity: number;
  readonly periodMs: number;
  /** The backoff children inherit (a child spec may override it). */
  readonly backoff: NormalizedBackoff | null;
  readonly children: readonly NormalizedChild[];
  readonly whileRestarting: RestartWindowPolicy;
  readonly stableCapacity: number;
  readonly maxChildren: number;
  readonly name: string;
}

/** Check and normalize a supervisor spec; throws a {@link SupervisorError} naming the first problem. */
export function normalizeSupervisorSpec(spec: SupervisorSpec): NormalizedSupervisorSpec {
  if (spec === null || typeof spec !== 'object') invalid(`a supervisor spec must be an object, got ${describeType(spec)}`);
  const strategy = spec.strategy ?? SUPERVISOR_DEFAULTS.strategy;
  if (!STRATEGIES.has(strategy)) invalid(`strategy must be one of ${[...STRATEGIES].join(', ')}, got ${String(strategy)}`, { strategy });
  const intensity = spec.intensity ?? SUPERVISOR_DEFAULTS.intensity;
  if (!Number.isInteger(intensity) || intensity < 0) invalid(`intensity must be a non-negative integer, got ${String(intensity)}`, { intensity });
  const periodMs = spec.periodMs ?? SUPERVISOR_DEFAULTS.periodMs;
  if (typeof periodMs !== 'number' || !(periodMs > 0) || periodMs === Infinity) invalid(`periodMs must be a positive finite number, got ${String(periodMs)}`, { periodMs });
  const backoff = normalizeBackoff(spec.backoff ?? SUPERVISOR_DEFAULTS.backoff, 'backoff');
  const whileRestarting = spec.stable?.whileRestarting ?? SUPERVISOR_DEFAULTS.whileRestarting;
  if (whileRestarting !== 'queue' && whileRestarting !== 'reject') invalid(`stable.whileRestarting must be "queue" or "reject", got ${String(whileRestarting)}`);
  const stableCapacity = positiveInt(spec.stable?.capacity, SUPERVISOR_DEFAULTS.stableCapacity, 'stable.capacity');
  const maxChildren = positiveInt(spec.maxChildren, SUPERVISOR_DEFAULTS.maxChildren, 'maxChildren');
  const name = spec.name ?? SUPERVISOR_DEFAULTS.name;
  const nameIssue = nameProblem(name);
  if (nameIssue !== null) invalid(`name: ${nameIssue}`);
  const raw = spec.children ?? [];
  if (!Array.isArray(raw)) invalid(`children must be an array of child specs, got ${describeType(raw)}`);
  if (strategy === 'simple-one-for-one' && raw.length !== 1) {
    invalid(`a simple-one-for-one supervisor takes exactly one child spec (the template for its dynamic children), got ${raw.length}`);
  }
  const children: NormalizedChild[] = [];
  const seen = new Map<string, number>();
  raw.forEach((child, index) => {
    const normalized = normalizeChildSpec(child, backoff, `child #${index + 1}`);
    const first = seen.get(normalized.id);
    if (first !== undefined) {
      throw new SupervisorError('duplicate-child', `duplicate child id "${normalized.id}" (children #${first + 1} and #${index + 1})`, { id: normalized.id });
    }
    seen.set(normalized.id, index);
    children.push(normalized);
  });
  return { strategy, intensity, periodMs, backoff, children, whileRestarting, stableCapacity, maxChildren, name };
}

/** Check and normalize one child spec; `inherited` is the supervisor's backoff. */
export function normalizeChildSpec(child: ChildSpec, inherited: NormalizedBackoff | null, where = 'child spec'): NormalizedChild {
  if (child === null || typeof child !== 'object') invalid(`${where} must be an object, got ${describeType(child)}`);
  const idIssue = nameProblem(child.id);
  if (idIssue !== null) invalid(`${where}: invalid id: ${idIssue}`, { id: child.id });
  const id = child.id;
  const at = `child "${id}"`;
  if ((child.kind === undefined) === (child.factory === undefined)) invalid(`${at}: give exactly one of kind and factory`, { id });
  let definition: Spawnable;
  if (child.factory !== undefined) {
    if (typeof child.factory !== 'function') invalid(`${at}: factory must be a function returning a behaviour, got ${describeType(child.factory)}`, { id });
    definition = factoryClass(id, child.factory);
  } else {
    definition = checkDefinition(child.kind, at, id);
  }
  const isSupervisor = isSupervisorDefinition(definition);
  const restart = child.restart ?? SUPERVISOR_DEFAULTS.restart;
  if (!RESTARTS.has(restart)) invalid(`${at}: restart must be permanent, transient or temporary, got ${String(restart)}`, { id });
  const shutdown = child.shutdown ?? (isSupervisor ? SUPERVISOR_DEFAULTS.supervisorShutdown : SUPERVISOR_DEFAULTS.workerShutdownMs);
  if (shutdown !== 'brutal' && shutdown !== 'infinity' && (typeof shutdown !== 'number' || !(shutdown > 0) || shutdown > INFINITE_STOP_MS)) {
    invalid(`${at}: shutdown must be a positive number of ms (at most ${INFINITE_STOP_MS}), "brutal" or "infinity", got ${String(shutdown)}`, { id });
  }
  if (child.mailbox !== undefined) {
    try {
      new Mailbox(child.mailbox);
    } catch (error) {
      invalid(`${at}: mailbox: ${(error as Error).message}`, { id });
    }
  }
  if (child.register !== undefined) {
    const issue = nameProblem(child.register);
    if (issue !== null) invalid(`${at}: register: ${issue}`, { id });
  }
  if (child.budget !== undefined && (!Number.isInteger(child.budget) || child.budget < 1)) invalid(`${at}: budget must be a positive integer, got ${String(child.budget)}`, { id });
  if (child.stable !== undefined && !isStableAddr(child.stable)) invalid(`${at}: stable must be an address made by createStableAddr`, { id });
  if (isNodePlacement(child.placement)) {
    try {
      placementNodes(child.placement);
    } catch (error) {
      invalid(`${at}: ${(error as Error).message}`, { id });
    }
    if (child.factory !== undefined || isSupervisor || (typeof definition !== 'string' && !(definition instanceof Kind))) {
      invalid(`${at}: placement on a node needs a named kind (kind: a defineKind or a kind name), not a factory, class or supervisor`, { id });
    }
  }
  return {
    id, definition, args: child.args, restart, shutdown,
    stopTimeoutMs: typeof shutdown === 'number' ? shutdown : INFINITE_STOP_MS,
    isSupervisor, mailbox: child.mailbox, register: child.register, budget: child.budget,
    stable: child.stable ?? null,
    backoff: child.backoff === undefined ? inherited : normalizeBackoff(child.backoff, `${at}: backoff`),
    placement: child.placement,
  };
}

/** Check that every kind name in `spec` (nested supervisors included) is registered in `kinds`. */
export function checkKinds(spec: NormalizedSupervisorSpec, kinds: KindRegistry, path = ''): void {
  for (const child of spec.children) {
    // A child placed on another node runs a kind of that node's.
    if (typeof child.definition === 'string' && !kinds.has(child.definition) && !isNodePlacement(child.placement)) {
      const known = kinds.names();
      throw new SupervisorError('unknown-kind',
        `child "${path}${child.id}": no kind named "${child.definition}" is registered${known.length > 0 ? ` (known: ${known.join(', ')})` : ' (none are)'}`,
        { id: child.id, kind: child.definition });
    }
    const nested = supervisorSpecOf(child.definition);
    if (nested !== null) checkKinds(nested, kinds, `${path}${child.id}/`);
  }
}

/** True for a class made by `supervisor(spec)`. */
export function isSupervisorDefinition(definition: unknown): boolean {
  return supervisorSpecOf(definition) !== null;
}

export function supervisorSpecOf(definition: unknown): NormalizedSupervisorSpec | null {
  return typeof definition === 'function' ? ((definition as unknown as Record<symbol, NormalizedSupervisorSpec>)[SUPERVISOR_SPEC] ?? null) : null;
}

export function normalizeBackoff(spec: BackoffSpec | false, where: string): NormalizedBackoff | null {
  if (spec === false) return null;
  if (spec === null || typeof spec !== 'object') invalid(`${where} must be an object or false, got ${describeType(spec)}`);
  const d = SUPERVISOR_DEFAULTS.backoffSpec;
  const initialMs = spec.initialMs ?? d.initialMs;
  const maxMs = spec.maxMs ?? Math.max(d.maxMs, initialMs);
  const factor = spec.factor ?? d.factor;
  const jitter = spec.jitter ?? d.jitter;
  const resetAfterMs = spec.resetAfterMs ?? d.resetAfterMs;
  if (typeof initialMs !== 'number' || !(initialMs >= 0) || initialMs > INFINITE_STOP_MS) invalid(`${where}.initialMs must be a number of ms >= 0, got ${String(initialMs)}`);
  if (typeof maxMs !== 'number' || !(maxMs >= initialMs) || maxMs > INFINITE_STOP_MS) invalid(`${where}.maxMs must be a number of ms >= initialMs (${initialMs}), got ${String(maxMs)}`);
  if (typeof factor !== 'number' || !(factor >= 1) || factor === Infinity) invalid(`${where}.factor must be a finite number >= 1, got ${String(factor)}`);
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) invalid(`${where}.jitter must be a number in [0, 1], got ${String(jitter)}`);
  if (typeof resetAfterMs !== 'number' || !(resetAfterMs > 0)) invalid(`${where}.resetAfterMs must be a positive number of ms, got ${String(resetAfterMs)}`);
  return { initialMs, maxMs, factor, jitter, resetAfterMs };
}

// --- internal ---

const STRATEGIES: ReadonlySet<string> = new Set<StrategyName>(['one-for-one', 'one-for-all', 'rest-for-one', 'simple-one-for-one']);
const RESTARTS: ReadonlySet<string> = new Set<RestartPolicy>(['permanent', 'transient', 'temporary']);

function checkDefinition(kind: unknown, at: string, id: string): Spawnable {
  if (typeof kind === 'string' || kind instanceof Kind || typeof kind === 'function') return kind as Spawnable;
  if (kind !== null && typeof kind === 'object' && (typeof (kind as AnyBehavior & { receive?: unknown }).receive === 'function' || typeof (kind as { run?: unknown }).run === 'function')) {
    invalid(`${at}: an inline behaviour object cannot be rebuilt for a restart; give a kind, a class or a factory`, { id });
  }
  return invalid(`${at}: kind must be a Kind, a kind name, an actor class or a supervisor definition, got ${describeType(kind)}`, { id });
}

/** A constructible function named after the child whose `new` returns the factory's behaviour. */
function factoryClass(id: string, factory: (args: unknown) => AnyBehavior): Spawnable {
  const build = function (this: unknown, args: unknown): AnyBehavior {
    return factory(args);
  };
  Object.defineProperty(build, 'name', { value: factory.name !== '' && factory.name !== 'factory' ? factory.name : id });
  return build as unknown as Spawnable;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) invalid(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function invalid(message: string, details?: Record<string, unknown>): never {
  throw new SupervisorError('invalid-spec', message, details);
}
