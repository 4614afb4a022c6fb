/**
 * Generated regions of README.md: the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`
 * belongs to a script (readme-tables.mjs, config-reference.mjs), which --write rewrites and --check
 * compares. One mechanism for both, so they cannot drift in how they fail or what they print.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * `text` with the region NAME replaced by `content`, set off by `gap` on each side. Throws when the
 * pair of markers is missing or out of order, naming it, so --check cannot pass on a README that was
 * never wired up.
 */
export function replaceRegion(text, name, content, gap = '\n') {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`README has no '${start}' ... '${end}' region`);
  return `${text.slice(0, from + start.length)}${gap}${content}${gap}${text.slice(to)}`;
}

export function argValue(args, flag, fallback) {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

/**
 * --write or --check of the README at `readmePath` against `update(readme)`; exit code 0 or 1.
 * `tool` names the script in its messages, `differs` says what the README disagrees with, `matches`
 * what a passing check prints.
 */
export function writeOrCheck({ args, tool, readmePath, update, differs, matches }) {
  const readme = readFileSync(readmePath, 'utf8');
  let updated;
  try {
    updated = update(readme);
  } catch (error) {
    process.stderr.write(`${tool}: ${readmePath}: ${error.message}\n`);
    return 1;
  }
  if (args.includes('--write')) {
    if (updated !== readme) writeFileSync(readmePath, updated);
    process.stdout.write(`${tool}: ${updated === readme ? 'already up to date' : 'updated'} ${readmePath}\n`);
    return 0;
  }
  if (updated !== readme) {
    process.stderr.write(`${tool}: ${differs}; run: node scripts/${tool}.mjs --write\n`);
    return 1;
  }
  process.stdout.write(`${tool}: ${matches}\n`);
  return 0;
}
