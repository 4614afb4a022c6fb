/** The command table: each CLI command's handler (src/cli/commands/), which returns the exit code. */
import { InputError } from '../errors.js';
import type { ParsedArgs } from './args.js';
import { benchCommand, bootCommand } from './commands/boot-bench.js';
import { cleanupCommand } from './commands/cleanup.js';
import { commentCommand } from './commands/comment.js';
import { compareCommand } from './commands/compare.js';
import { dashboardCommand } from './commands/dashboard.js';
import {
  historyAppendCommand,
  historyChangesCommand,
  historyDriftCommand,
  historyExportCommand,
  historyListCommand,
} from './commands/history.js';
import { initCommand } from './commands/init.js';
import { migrateCommand } from './commands/migrate.js';
import { demoCommand, runGateCommand } from './commands/run.js';
import type { CliContext, CommandHandler } from './commands/shared.js';
import { validateCommand } from './commands/validate.js';
import { verifyCommand } from './commands/verify.js';
import { verifyIdempotentCommand } from './commands/verify-idempotent.js';

/** One handler per command of the table in commands.ts (a test checks the two name the same commands). */
export const COMMAND_HANDLERS: Readonly<Record<string, CommandHandler>> = {
  run: runGateCommand,
  demo: demoCommand,
  migrate: migrateCommand,
  'verify-idempotent': verifyIdempotentCommand,
  boot: bootCommand,
  bench: benchCommand,
  compare: compareCommand,
  cleanup: cleanupCommand,
  comment: commentCommand,
  init: initCommand,
  dashboard: dashboardCommand,
  validate: validateCommand,
  verify: verifyCommand,
  'history append': historyAppendCommand,
  'history list': historyListCommand,
  'history changes': historyChangesCommand,
  'history drift': historyDriftCommand,
  'history export': historyExportCommand,
};

export async function runCommand(name: string, args: ParsedArgs, cli: CliContext): Promise<number> {
  const handler = Object.hasOwn(COMMAND_HANDLERS, name) ? COMMAND_HANDLERS[name] : undefined;
  if (!handler) throw new InputError(`command '${name}': not known`);
  return handler(args, cli);
}
