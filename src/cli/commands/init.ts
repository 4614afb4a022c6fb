/** `perf-gate init`: a commented perf-gate.yml and a pull-request workflow for the project in a folder. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, InputError } from '../../errors.js';
import { describeDetected, detectProject } from '../../init/detect-project.js';
import { starterFiles } from '../../init/starter-files.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import type { CliContext } from './shared.js';

export async function initCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const root = resolve(stringFlag(args, 'dir') ?? '.');
  const detected = detectProject(root);
  const files = starterFiles(detected);
  const force = booleanFlag(args, 'force') ?? false;
  const existing = files.filter((f) => existsSync(join(root, f.path)));
  if (existing.length && !force)
    throw new InputError(
      `init: ${existing.map((f) => f.path).join(' and ')} already exist${existing.length === 1 ? 's' : ''} in ${root}; pass --force to overwrite`,
    );
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  cli.stdout(
    `detected: ${describeDetected(detected)}\nwrote ${files.map((f) => f.path).join(' and ')}; edit the lines marked <-, then run 'npx perf-gate validate'\n`,
  );
  return ExitCode.ok;
}
