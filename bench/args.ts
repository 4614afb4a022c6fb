/**
 * The bench scripts' command line: `--name value`, `--name=value` or a bare `--name` (then "true"), every
 * name checked against the script's known flags so a typo fails instead of being ignored.
 */
export function parseArgs(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) throw new Error(`unrecognised argument ${JSON.stringify(argv[i])}; expected --name value`);
    const [, name, inline] = match;
    if (inline !== undefined) args.set(name!, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) args.set(name!, argv[++i]!);
    else args.set(name!, 'true');
  }
  for (const name of args.keys())
    if (!known.includes(name))
      throw new Error(`--${name}: unknown flag; known: ${known.map((k) => `--${k}`).join(', ')}`);
  return args;
}
