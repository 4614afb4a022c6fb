/** `perf-gate verify-idempotent`: run the migrations a second time and fail if the schema changes. */
import { assertNotProduction, databaseSecrets } from '../../database/database-url.js';
import { ExitCode, InputError, invalidValue } from '../../errors.js';
import { booleanFlag, type ParsedArgs, stringFlag } from '../args.js';
import type { CliContext } from './shared.js';

export async function verifyIdempotentCommand(args: ParsedArgs, cli: CliContext): Promise<number> {
  const { log } = cli;
  const { verifyIdempotent } = await import('../../database/fingerprint.js');
  const url = stringFlag(args, 'database-url');
  if (!url) throw invalidValue('--database-url', url, 'the URL of the database to check');
  for (const s of databaseSecrets(url)) log.addSecret(s);
  assertNotProduction(url, { allow: booleanFlag(args, 'allow-production') ?? false, inputName: '--database-url' });
  const command = args.flags.command as string[] | undefined;
  const dir = stringFlag(args, 'dir');
  if (!command && !dir)
    throw new InputError('verify-idempotent: give --dir (SQL files) or --command (your own migration script)');
  if (command && dir) throw new InputError('verify-idempotent: give either --dir or --command, not both');
  const base = { databaseUrl: url, log, throwOnDifference: false };
  const result = await verifyIdempotent(
    command ? { ...base, command } : { ...base, dir: dir!, to: stringFlag(args, 'to') },
  );
  if (result.idempotent) return ExitCode.ok;
  // Not idempotent is a failed check, like a missed target: exit 1, with what changed.
  log.error(
    `not idempotent: running ${result.rerun.join(', ')} again ${result.rerunError ? `failed: ${result.rerunError}` : `changed the database:\n${result.diff.join('\n')}`}`,
  );
  return ExitCode.targetMissed;
}
