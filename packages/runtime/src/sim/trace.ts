/**
 * The trace of a simulated run: every step (and every choice inside it: actor picks,
 * packets, faults) is folded into a running 64-bit hash, and the hash after each step is
 * logged, so two runs of one seed can be compared step by step and the first divergence
 * named. Labels (what each step was) are kept only when asked, for divergence reports.
 *
 * Must not: read clocks or allocate per fold; folding is on the hottest simulation path.
 */

/** Where two runs of one seed first differ. */
export interface Divergence {
  /** 0-based step at which the running hashes first differ. */
  readonly step: number;
  readonly first: string | undefined;
  readonly second: string | undefined;
  /** The labels of the steps just before, identical in both runs. */
  readonly before: readonly string[];
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

export class Trace {
  private a = 0x9e3779b9;
  private b = 0x85ebca6b;
  private log = new Uint32Array(1024);
  private logged = 0;
  private labels: string[] | null;
  private pending = '';
  /** Record what happens inside steps too (picks, packets), in the labels. */
  readonly detailed: boolean;

  constructor(options: { labels?: boolean; detailed?: boolean } = {}) {
    this.labels = options.labels === true || options.detailed === true ? [] : null;
    this.detailed = options.detailed === true;
  }

  /** Whether step labels are kept. */
  get keepsLabels(): boolean {
    return this.labels !== null;
  }

  /** Steps logged so far. */
  get steps(): number {
    return this.logged;
  }

  /** Fold a 32-bit integer into the running hash. */
  fold(word: number): void {
    this.a = mix(this.a ^ word, 0xcc9e2d51);
    this.b = mix(this.b + word, 0x1b873593) ^ this.a;
  }

  /** Fold a number exactly (its float64 bits). */
  foldNumber(n: number): void {
    F64[0] = n;
    this.fold(U32[0]!);
    this.fold(U32[1]!);
  }

  foldString(s: string): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    this.fold(h >>> 0);
    this.fold(s.length);
  }

  foldBytes(bytes: Uint8Array): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    this.fold(h >>> 0);
    this.fold(bytes.length);
  }

  /** Add detail to the current step's label (only when {@link detailed}). */
  note(text: string): void {
    if (this.detailed) this.pending += this.pending === '' ? text : ` ${text}`;
  }

  /** Close the current step: log the running hash (and the label, when kept). */
  endStep(label: string): void {
    if (this.logged === this.log.length) {
      const grown = new Uint32Array(this.log.length * 2);
      grown.set(this.log);
      this.log = grown;
    }
    this.log[this.logged++] = (this.a ^ Math.imul(this.b, 0x27d4eb2d)) >>> 0;
    if (this.labels !== null) {
      this.labels.push(this.pending === '' ? label : `${label} | ${this.pending}`);
      this.pending = '';
    }
  }

  /** The running hash as 16 hex digits. */
  get hash(): string {
    return hex(this.a) + hex(this.b);
  }

  /** The hash logged after step `i`. */
  stepHash(i: number): number | undefined {
    return i < this.logged ? this.log[i] : undefined;
  }

  label(i: number): string | undefined {
    return this.labels?.[i];
  }

  /** The first step where `this` and `other` differ, or null when they are identical. */
  divergence(other: Trace): Divergence | null {
    const n = Math.min(this.logged, other.logged);
    let step = -1;
    for (let i = 0; i < n; i++) {
      if (this.log[i] !== other.log[i]) {
        step = i;
        break;
      }
    }
    if (step < 0) {
      if (this.logged === other.logged && this.hash === other.hash) return null;
      step = n;
    }
    const before: string[] = [];
    for (let i = Math.max(0, step - 3); i < step; i++) before.push(this.label(i) ?? `step ${i}`);
    return { step, first: this.label(step), second: other.label(step), before };
  }
}

function mix(h: number, k: number): number {
  h = Math.imul(h, k);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
