import { InputError, invalidValue } from '../errors.js';
import { parseDuration } from './durations.js';

/**
 * A cursor over one object of untrusted config, that knows its own path ("load.rate") so every
 * message can name the key, what was given and what is allowed. Unknown keys are errors: a typo such
 * as `roundDuraton` must not silently fall back to a default.
 */
export class ConfigReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly path: string,
    private readonly value: Record<string, unknown>,
  ) {}

  static root(source: string, value: unknown): ConfigReader {
    if (value === null || value === undefined) return new ConfigReader('', {});
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(
        `${source}: the config must be a mapping of keys to values, got ${Array.isArray(value) ? 'a list' : typeof value}`,
      );
    }
    return new ConfigReader('', value as Record<string, unknown>);
  }

  key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  raw(name: string): unknown {
    this.seen.add(name);
    return this.value[name];
  }

  /** A duration ("500ms", "5s", "2m", or seconds as a number) in ms; `fallback` when the key is absent or null. */
  duration(name: string): number | undefined;
  duration(name: string, fallback: number): number;
  duration(name: string, fallback?: number): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    return parseDuration(`config key '${this.key(name)}'`, v);
  }

  /** Like `number`, but undefined when the key is absent or null. */
  optionalNumber(name: string, range: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    this.seen.add(name);
    return this.has(name) ? this.number(name, 0, range) : undefined;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw invalidValue(`config key '${this.key(name)}'`, v, 'a string');
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    throw invalidValue(`config key '${this.key(name)}'`, v, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }

  number(name: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    const { min = -Infinity, max = Infinity, integer = false } = range;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const bounds = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : '']
        .filter(Boolean)
        .join(' and ');
      throw invalidValue(
        `config key '${this.key(name)}'`,
        v,
        `${integer ? 'a whole number' : 'a number'}${bounds ? ` ${bounds}` : ''}`,
      );
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalidValue(`config key '${this.key(name)}'`, v, 'true or false');
  }

  stringList(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((item) => typeof item === 'string' || typeof item === 'number'))
      return v.map(String);
    throw invalidValue(`config key '${this.key(name)}'`, v, 'a list of strings');
  }

  /** A mapping of names to string values, such as environment variables. Numbers and booleans become strings. */
  stringMap(name: string): Record<string, string> | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v))
      throw invalidValue(`config key '${this.key(name)}'`, v, 'a mapping of names to values');
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') out[k] = String(item);
      else throw invalidValue(`config key '${this.key(name)}.${k}'`, item, 'a string, number or boolean');
    }
    return out;
  }

  child(name: string): ConfigReader | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw invalidValue(`config key '${this.key(name)}'`, v, 'a mapping');
    return new ConfigReader(this.key(name), v as Record<string, unknown>);
  }

  list(name: string): { path: string; value: unknown }[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalidValue(`config key '${this.key(name)}'`, v, 'a list');
    return v.map((value, i) => ({ path: `${this.key(name)}[${i}]`, value }));
  }

  /** Call after reading: any key that was not read is a typo or an unsupported option. */
  rejectUnknownKeys(): void {
    const unknown = Object.keys(this.value).filter((k) => !this.seen.has(k));
    if (unknown.length > 0) {
      const where = this.path ? `in '${this.path}'` : 'at the top level';
      throw new InputError(
        `config: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} ${where}; allowed: ${[
          ...this.seen,
        ]
          .sort()
          .map((k) => `'${k}'`)
          .join(', ')}`,
      );
    }
  }
}
