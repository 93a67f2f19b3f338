/**
 * Method params: each control method reads its params through {@link Params}, which
 * checks types and ranges and refuses unknown names, so a typo in a script is an
 * `rpc/invalid-params` error naming the param, never a silently ignored field.
 */
import { ControlError } from './errors.js';

export class Params {
  private constructor(private readonly method: string, private readonly raw: Record<string, unknown>) {}

  /** Wrap raw JSON-RPC params (an object, or absent) for `method`, allowing only `allowed` names. */
  static from(method: string, raw: unknown, allowed: readonly string[]): Params {
    if (raw === undefined || raw === null) return new Params(method, {});
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid(method, 'params must be an object of named params');
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) {
        throw invalid(method, `unknown param "${key}"${allowed.length > 0 ? ` (takes: ${allowed.join(', ')})` : ' (takes none)'}`);
      }
    }
    return new Params(method, raw as Record<string, unknown>);
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  string(name: string): string;
  string(name: string, optional: true): string | undefined;
  string(name: string, optional = false): string | undefined {
    const v = this.raw[name];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw invalid(this.method, `param "${name}" must be a non-empty string (at most 4096 characters)`);
    return v;
  }

  number(name: string, range: { min: number; max: number; integer?: boolean }): number | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max || (range.integer === true && !Number.isInteger(v))) {
      throw invalid(this.method, `param "${name}" must be a${range.integer === true ? 'n integer' : ' number'} from ${range.min} to ${range.max}`);
    }
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw invalid(this.method, `param "${name}" must be true or false`);
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (!values.includes(v as T)) throw invalid(this.method, `param "${name}" must be one of ${values.join(', ')}`);
    return v as T;
  }

  strings(name: string, max: number): string[] | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length > max || v.some((s) => typeof s !== 'string')) throw invalid(this.method, `param "${name}" must be an array of at most ${max} strings`);
    return v as string[];
  }

  /** Any JSON value (a message, spawn args). */
  value(name: string): unknown {
    return this.raw[name];
  }

  require(name: string): unknown {
    if (!(name in this.raw)) throw invalid(this.method, `param "${name}" is required`);
    return this.raw[name];
  }
}

function invalid(method: string, message: string): ControlError {
  return new ControlError('rpc/invalid-params', `${method}: ${message}`, { hint: 'see docs/cli.md for the methods and their params' });
}
