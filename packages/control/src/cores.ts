/**
 * The engine's actors as the control plane shows them, on every core: on a single-core
 * engine its own introspection; on a multi-core one the runtime's cross-core view
 * (`multiCore(engine)`: each core answers over the rings), merged into one list, one tree,
 * one history of terminated actors, one dead-letter report and summed counters, each actor
 * with the `core` it runs on.
 *
 * A child that runs on another core than its parent is kept among the parent's children
 * by a *stand-in* (kind `RemoteChild`, same path; docs/multi-core.md). The view folds each
 * stand-in into the actor it stands for — one row, one tree node, at the parent's place —
 * so an operator sees the actor once, where the config put it.
 *
 * Must not: block a core (every answer is an async ask with a timeout), or change anything.
 */
import type { AnyAddr } from '@pd/actor';
import {
  type ActorInfo, type ActorStatus, type ActorTreeNode, type CoreStats, type DeadLetterReport, type Engine, type EngineStats, type MultiCore,
  type TerminatedSnapshot, multiCore,
} from '@pd/runtime';

/** The kind name the runtime gives stand-ins (its `RemoteChild` behaviour). */
export const STAND_IN_KIND = 'RemoteChild';
/** How long one core may take to answer, ms: generous, for a busy machine. */
const CORE_ANSWER_MS = 15_000;

/** A live actor with the core it runs on (always 0 on a single-core engine). */
export type CoreActorInfo = ActorInfo & { readonly core: number };
/** A tree node with the core its actor runs on. */
export interface CoreTreeNode extends Omit<ActorTreeNode, 'children'> {
  readonly core: number;
  readonly children: CoreTreeNode[];
}
export type CoreTerminated = TerminatedSnapshot & { readonly core: number };

export interface ListFilter {
  readonly path?: string;
  readonly status?: ActorStatus;
  readonly kind?: string;
}

/** What the control plane reads of an engine, on one core or all of them. */
export class EngineView {
  private constructor(private readonly engine: Engine, readonly cores: MultiCore | null) {}

  /** The view of `engine` (made once per engine). */
  static of(engine: Engine): EngineView {
    let view = views.get(engine);
    if (view === undefined) {
      let cores: MultiCore | null = null;
      try {
        cores = multiCore(engine, { timeoutMs: CORE_ANSWER_MS });
      } catch {
        cores = null; // A single-core engine.
      }
      view = new EngineView(engine, cores);
      views.set(engine, view);
    }
    return view;
  }

  /** True for a multi-core engine. */
  get multi(): boolean {
    return this.cores !== null;
  }

  /** Live actors of every core (stand-ins folded), filtered as `engine.list`. */
  async list(filter: ListFilter = {}): Promise<CoreActorInfo[]> {
    if (this.cores === null) return this.engine.list(filter).map((info) => ({ ...info, core: 0 }));
    const all = foldStandIns(await this.cores.list());
    return all.filter((a) => (filter.kind === undefined || a.kind === filter.kind) && (filter.status === undefined || a.status === filter.status)
      && (filter.path === undefined || a.path === filter.path || a.path.startsWith(filter.path.endsWith('/') ? filter.path : `${filter.path}/`)));
  }

  /** The live actor `addr` names, on any core (a stand-in's address gives the actor it stands for). */
  async info(addr: AnyAddr): Promise<CoreActorInfo | undefined> {
    if (this.cores === null) {
      const info = this.engine.info(addr);
      return info === undefined ? undefined : { ...info, core: 0 };
    }
    // An actor of this core needs no other core's answer, unless it is a stand-in or the
    // child of an actor on another core (its parent is known there, through its stand-in).
    const here = this.engine.info(addr);
    const ownParent = here !== undefined && (here.parent !== null || here.path.split('/').length <= 3);
    if (here !== undefined && here.kind !== STAND_IN_KIND && ownParent) return this.withNames({ ...here, core: here.addr.core });
    const raw = await this.cores.list();
    const hit = raw.find((a) => a.addr.key === addr.key);
    if (hit === undefined) return undefined;
    return this.withNames(foldStandIns(raw).find((a) => a.path === hit.path && (a.addr.key === hit.addr.key || hit.kind === STAND_IN_KIND)) ?? hit);
  }

  /**
   * `info` with every name the engine-wide registry binds to it: a name registered by the
   * spawner on another core (a supervisor's `register` for a child placed elsewhere) is in
   * that core's registry and the replicas, not in the actor's own core's list.
   */
  private withNames(info: CoreActorInfo): CoreActorInfo {
    const names = new Set(info.names);
    for (const entry of this.engine.registry.registered()) if (entry.addr.equals(info.addr)) names.add(entry.name);
    return names.size === info.names.length ? info : { ...info, names: [...names].sort() };
  }

  /** The live actor with address key `key` (`node.core.slot.gen`), on any core. */
  async byKey(key: string): Promise<CoreActorInfo | undefined> {
    if (this.cores === null) {
      const info = this.engine.list().find((a) => a.addr.key === key);
      return info === undefined ? undefined : { ...info, core: 0 };
    }
    return (await this.cores.list()).find((a) => a.addr.key === key);
  }

  /** The live actor at `path` on another core than 0 (a top-level actor placed there). */
  async byPath(path: string): Promise<CoreActorInfo | undefined> {
    if (this.cores === null) return undefined;
    return foldStandIns(await this.cores.list()).find((a) => a.path === path);
  }

  /** The actor trees of every core as one forest, stand-ins replaced by the subtrees they stand for. */
  async tree(): Promise<CoreTreeNode[]> {
    if (this.cores === null) return this.engine.tree().map((node) => withCore(node, 0));
    const parts = await this.cores.tree();
    const real = new Map<string, { core: number; node: ActorTreeNode }[]>();
    const index = (node: ActorTreeNode, core: number): void => {
      if (node.kind !== STAND_IN_KIND) real.set(node.path, [...(real.get(node.path) ?? []), { core, node }]);
      node.children.forEach((child) => index(child, core));
    };
    for (const { core, roots } of parts) roots.forEach((root) => index(root, core));
    const grafted = new Set<ActorTreeNode>();
    const build = (node: ActorTreeNode, core: number, depth: number): CoreTreeNode => {
      if (node.kind === STAND_IN_KIND && depth < 64) {
        const target = real.get(node.path)?.find((r) => r.core !== core && !grafted.has(r.node));
        if (target !== undefined) {
          grafted.add(target.node);
          return build(target.node, target.core, depth + 1);
        }
      }
      return { path: node.path, kind: node.kind, status: node.status, addr: node.addr, core, children: node.children.map((c) => build(c, core, depth + 1)) };
    };
    // Core 0 first: the config's tree is rooted there, and its stand-ins claim their actors
    // before any other core's roots are listed.
    const forest = parts.flatMap(({ core, roots }) => roots.map((root) => ({ core, root })));
    const built = new Map<ActorTreeNode, CoreTreeNode>();
    for (const { core, root } of forest) built.set(root, build(root, core, 0));
    return forest.filter(({ root }) => !grafted.has(root)).map(({ root }) => built.get(root)!);
  }

  /** Recently terminated actors of every core, oldest first. */
  async terminated(): Promise<CoreTerminated[]> {
    if (this.cores === null) return this.engine.terminated().map((t) => ({ ...t, core: 0 }));
    const all = await this.cores.terminated();
    // A stand-in's exit repeats its actor's, remembered on the actor's core; it stays only
    // when that core has no record of it (the core crashed and took its memory along).
    const real = new Set(all.filter((t) => t.kind !== STAND_IN_KIND).map((t) => `${t.core}\0${t.path}`));
    const cores = this.cores.cores;
    const standsFor = (t: CoreTerminated): boolean => Array.from({ length: cores }, (_, c) => c).some((c) => c !== t.core && real.has(`${c}\0${t.path}`));
    return all.filter((t) => t.kind !== STAND_IN_KIND || !standsFor(t)).sort((a, b) => a.exitedAt - b.exitedAt);
  }

  /** Dead letters of every core: counts summed, the recent ones merged by time. */
  async deadLetters(): Promise<DeadLetterReport> {
    if (this.cores === null) return this.engine.deadLetters();
    const parts = await this.cores.deadLetters();
    const byReason: Record<string, number> = {};
    for (const { report } of parts) for (const [reason, n] of Object.entries(report.byReason)) byReason[reason] = (byReason[reason] ?? 0) + n;
    const recent = parts.flatMap(({ core, report }) => report.recent.map((d) => ({ ...d, core }))).sort((a, b) => a.at - b.at);
    return { total: parts.reduce((n, p) => n + p.report.total, 0), byReason: byReason as DeadLetterReport['byReason'], recent };
  }

  /** Counters summed over every core that answered, and each core's (null on a single-core engine). */
  async stats(): Promise<{ readonly total: EngineStats; readonly cores: CoreStats[] | null }> {
    if (this.cores === null) return { total: this.engine.stats(), cores: null };
    const cores = await this.cores.stats();
    const total: Record<string, number> = {};
    for (const key of Object.keys(this.engine.stats()) as (keyof EngineStats)[]) total[key] = cores.reduce((n, c) => n + (c[key] ?? 0), 0);
    return { total: total as unknown as EngineStats, cores };
  }
}

// --- internal ---

const views = new WeakMap<Engine, EngineView>();

function withCore(node: ActorTreeNode, core: number): CoreTreeNode {
  return { path: node.path, kind: node.kind, status: node.status, addr: node.addr, core, children: node.children.map((c) => withCore(c, core)) };
}

/**
 * One row per actor: a stand-in whose actor answered (same path, another core) is dropped,
 * and that actor takes the stand-in's parent (its own is on another core, so it has none).
 */
function foldStandIns(all: readonly CoreActorInfo[]): CoreActorInfo[] {
  const standIns = new Map<string, CoreActorInfo[]>();
  for (const a of all) if (a.kind === STAND_IN_KIND) standIns.set(a.path, [...(standIns.get(a.path) ?? []), a]);
  if (standIns.size === 0) return [...all];
  const folded = new Set<CoreActorInfo>();
  const out: CoreActorInfo[] = [];
  for (const a of all) {
    if (a.kind === STAND_IN_KIND) continue;
    const standIn = standIns.get(a.path)?.find((s) => s.core !== a.core && !folded.has(s));
    if (standIn === undefined) out.push(a);
    else {
      folded.add(standIn);
      out.push({ ...a, parent: a.parent ?? standIn.parent });
    }
  }
  // A stand-in whose actor did not answer (it is exiting, or its core is down) stays visible.
  for (const list of standIns.values()) for (const s of list) if (!folded.has(s)) out.push(s);
  return out;
}
