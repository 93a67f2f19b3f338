/**
 * Kind labels: the attribute objects that label metrics by actor kind, cached per kind and
 * capped (bounded cardinality: past `max` kinds, all further ones are `(other)`). Never an
 * actor id or path.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from './names.js';

export class KindLabels {
  private readonly byKind = new Map<string, Attributes>();
  private readonly other: Attributes;
  /** `base`: attributes every label carries besides the kind (core 0's `pd.core` in a multi-core engine). */
  constructor(private readonly max: number, private readonly base: Attributes | null = null) {
    this.other = { ...base, [ATTR.kind]: '(other)' };
  }

  /** The label `kind` is counted under (itself, or `(other)` past the cap). */
  label(kind: string): string {
    return this.of(kind)[ATTR.kind] as string;
  }

  of(kind: string): Attributes {
    const known = this.byKind.get(kind);
    if (known !== undefined) return known;
    if (this.byKind.size >= this.max) return this.other;
    const attrs = { ...this.base, [ATTR.kind]: kind };
    this.byKind.set(kind, attrs);
    return attrs;
  }

  with(kind: string, key: string, value: string): Attributes {
    return { ...this.of(kind), [key]: value };
  }
}
