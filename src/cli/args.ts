/**
 * Command-line parsing: `perf-gate <command> [--flag value | --flag=value | --switch]`.
 * Every flag may also come from an environment variable (PERF_GATE_<FLAG>), which is how the
 * composite action passes its inputs without ever placing them in a shell script.
 */
import { InputError } from '../errors.js';

export interface FlagSpec {
  name: string;
  kind: 'string' | 'boolean' | 'list';
  description: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
}

export interface ParsedArgs {
  command: string | undefined;
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function envNameFor(flag: string): string {
  return `PERF_GATE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export function parseArgs(
  argv: string[],
  specsFor: (command: string | undefined) => FlagSpec[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ParsedArgs {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : undefined;
  const rest = command ? argv.slice(1) : argv;
  const specs = specsFor(command) ?? [];
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i]!;
    if (arg === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs.find((s) => s.name === name) ?? GLOBAL_FLAGS.find((s) => s.name === name);
    if (!spec) {
      const known = [...specs, ...GLOBAL_FLAGS].map((s) => `--${s.name}`).join(', ');
      throw new InputError(`flag --${name}: not known${command ? ` for '${command}'` : ''}; allowed: ${known}`);
    }
    if (spec.kind === 'boolean') {
      const value = eq === -1 ? 'true' : arg.slice(eq + 1);
      if (value !== 'true' && value !== 'false')
        throw new InputError(`flag --${name}: got ${JSON.stringify(value)}; expected true or false`);
      flags[name] = value === 'true';
      continue;
    }
    const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new InputError(`flag --${name}: missing its value`);
    if (spec.kind === 'list') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
  }
  // Only a command's own flags fall back to the environment: a stray PERF_GATE_HELP must not turn a
  // gate run into a help text that exits 0.
  for (const spec of specs) {
    if (flags[spec.name] !== undefined) continue;
    const fromEnv = env[spec.env ?? envNameFor(spec.name)];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (spec.kind === 'boolean') {
      if (fromEnv !== 'true' && fromEnv !== 'false')
        throw new InputError(
          `${spec.env ?? envNameFor(spec.name)}: got ${JSON.stringify(fromEnv)}; expected true or false`,
        );
      flags[spec.name] = fromEnv === 'true';
    } else if (spec.kind === 'list') flags[spec.name] = fromEnv.split('\n').filter(Boolean);
    else flags[spec.name] = fromEnv;
  }
  return { command, flags, positionals };
}

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'help', kind: 'boolean', description: 'show help for the command' },
  { name: 'quiet', kind: 'boolean', description: 'print only warnings, errors and the verdict' },
  { name: 'verbose', kind: 'boolean', description: 'print debug lines' },
];

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean | undefined {
  const v = args.flags[name];
  return typeof v === 'boolean' ? v : undefined;
}
