/**
 * Exit codes are part of perf-gate's public contract (README, "Exit codes").
 * Inner modules throw one of the errors below; only the CLI entry turns them into an exit code.
 */
export const ExitCode = {
  ok: 0,
  targetMissed: 1,
  invalidInput: 2,
  infrastructure: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: every error perf-gate raises on purpose carries the exit code it maps to. */
export class PerfGateError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad input: a config key, a CLI flag, an action input, a target expression. Exit code 2. */
export class InputError extends PerfGateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.invalidInput, options);
  }
}

/** The world failed us: database, container, health check, load generation. Exit code 3. */
export class InfrastructureError extends PerfGateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.infrastructure, options);
  }
}

/** Formats "input 'x' ...: given 'y'; allowed: z" consistently across the code base. */
export function invalidValue(input: string, given: unknown, allowed: string): InputError {
  return new InputError(`${input}: got ${describeGiven(given)}; expected ${allowed}`);
}

function describeGiven(given: unknown): string {
  if (given === undefined) return 'nothing';
  // JSON has no Infinity or NaN: JSON.stringify would print YAML's `.inf` as "null".
  if (typeof given === 'number') return String(given);
  if (typeof given === 'string') return JSON.stringify(given.length > 80 ? `${given.slice(0, 77)}...` : given);
  try {
    const text = JSON.stringify(given);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(given);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
