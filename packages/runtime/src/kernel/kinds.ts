/**
 * The kind registry: actor kinds by name (invariant 3). Spawning by name looks a kind up
 * here; supervisors and other cores use the same names. Also turns any spawn definition
 * (kind, class, behaviour object, name) into a factory, with errors that name the problem.
 */
import { type AnyBehavior, Kind, PdError, SpawnError, type Spawnable, describeType, nameProblem } from '@pd/actor';

/** A definition turned into a factory; `create` is null for an inline behaviour (the definition is the instance). */
export interface ResolvedDefinition {
  readonly name?: string;
  readonly kind?: string;
  readonly create: ((args: any) => AnyBehavior) | null;
}

/** The display name of a resolved definition. */
export function kindName(resolved: ResolvedDefinition): string {
  return resolved.kind ?? resolved.name ?? '(inline)';
}

const INLINE: ResolvedDefinition = Object.freeze({ kind: '(inline)', create: null });

export class KindRegistry {
  private readonly kinds = new Map<string, Kind>();
  private readonly classes = new WeakMap<object, ResolvedDefinition>();

  /** Register a kind; registering the same kind again is a no-op, a different one an error. */
  register(kind: Kind): void {
    if (!(kind instanceof Kind)) throw new SpawnError('spawn/invalid-definition', `register expects a Kind from defineKind(), got ${describeType(kind)}`);
    const problem = nameProblem(kind.name);
    if (problem !== null) throw new PdError('registry/invalid-name', `invalid kind name: ${problem}`, { kind: kind.name });
    const existing = this.kinds.get(kind.name);
    if (existing !== undefined && existing !== kind && existing.create !== kind.create) {
      throw new PdError('kind/duplicate', `a different kind is already registered as "${kind.name}"`, { kind: kind.name });
    }
    this.kinds.set(kind.name, kind);
  }

  get(name: string): Kind | undefined {
    return this.kinds.get(name);
  }

  has(name: string): boolean {
    return this.kinds.has(name);
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Turn a spawn definition into a factory. */
  resolve(definition: Spawnable): ResolvedDefinition {
    if (typeof definition === 'object' && definition !== null && !(definition instanceof Kind)) {
      if (typeof (definition as any).receive === 'function' || typeof (definition as any).run === 'function') return INLINE;
    }
    if (typeof definition === 'function') {
      let resolved = this.classes.get(definition);
      if (resolved === undefined) {
        const ctor = definition as new (args: unknown) => AnyBehavior;
        resolved = { kind: ctor.name || '(anonymous class)', create: (args) => new ctor(args) };
        this.classes.set(definition, resolved);
      }
      return resolved;
    }
    if (typeof definition === 'string') {
      const kind = this.kinds.get(definition);
      if (kind === undefined) {
        const known = this.names();
        throw new SpawnError('spawn/unknown-kind', `no kind named "${definition}" is registered${known.length ? ` (known: ${known.join(', ')})` : ''}`, { kind: definition });
      }
      return kind;
    }
    if (definition instanceof Kind) {
      if (this.kinds.get(definition.name) !== definition) this.register(definition); // checked once, not per spawn
      return definition;
    }
    throw new SpawnError('spawn/invalid-definition', `spawn expects an actor class, a Kind, a kind name or an object with receive() or run(); got ${describeType(definition)}`);
  }
}
