#!/usr/bin/env node
/**
 * Keeps README.md's tables of action inputs and outputs equal to action.yml, the one source of truth.
 *
 *   node scripts/readme-tables.mjs            print both tables
 *   node scripts/readme-tables.mjs --check    exit 1 when README.md differs (or lacks the markers)
 *   node scripts/readme-tables.mjs --write    rewrite only the regions between the markers
 *
 * Regions: <!-- inputs:start --> ... <!-- inputs:end --> and <!-- outputs:start --> ... <!-- outputs:end -->.
 * --readme and --action point at other files (the tests use copies).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

/** A table cell: pipes escaped (they would end the cell), line breaks folded (they would end the row). */
function cell(text) {
  return String(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

function defaultCell(value) {
  if (value === undefined || value === '') return '';
  return `\`${cell(value)}\``;
}

/** @param {string} actionYaml */
export function renderTables(actionYaml) {
  const action = parse(actionYaml) ?? {};
  const inputs = Object.entries(action.inputs ?? {});
  const outputs = Object.entries(action.outputs ?? {});
  const inputTable = [
    '| Input | Default | Meaning |',
    '| --- | --- | --- |',
    ...inputs.map(
      ([name, spec]) =>
        `| \`${name}\` | ${defaultCell(spec?.default)} | ${cell(spec?.description ?? '')}${spec?.required ? ' (required)' : ''} |`,
    ),
  ].join('\n');
  const outputTable = [
    '| Output | Meaning |',
    '| --- | --- |',
    ...outputs.map(([name, spec]) => `| \`${name}\` | ${cell(spec?.description ?? '')} |`),
  ].join('\n');
  return { inputs: inputTable, outputs: outputTable };
}

/**
 * README text with each marked region replaced by its table. Throws when a pair of markers is missing
 * or out of order, naming it, so --check cannot pass on a README that was never wired up.
 */
export function replaceRegions(readme, tables) {
  let out = readme;
  for (const name of ['inputs', 'outputs']) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from === -1 || to === -1 || to < from) throw new Error(`README has no '${start}' ... '${end}' region`);
    out = `${out.slice(0, from + start.length)}\n${tables[name]}\n${out.slice(to)}`;
  }
  return out;
}

function argValue(args, flag, fallback) {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export function main(args, root = fileURLToPath(new URL('../', import.meta.url))) {
  const readmePath = argValue(args, '--readme', `${root}README.md`);
  const actionPath = argValue(args, '--action', `${root}action.yml`);
  const tables = renderTables(readFileSync(actionPath, 'utf8'));
  if (!args.includes('--check') && !args.includes('--write')) {
    process.stdout.write(`${tables.inputs}\n\n${tables.outputs}\n`);
    return 0;
  }
  const readme = readFileSync(readmePath, 'utf8');
  let updated;
  try {
    updated = replaceRegions(readme, tables);
  } catch (error) {
    process.stderr.write(`readme-tables: ${readmePath}: ${error.message}\n`);
    return 1;
  }
  if (args.includes('--write')) {
    if (updated !== readme) writeFileSync(readmePath, updated);
    process.stdout.write(`readme-tables: ${updated === readme ? 'already up to date' : 'updated'} ${readmePath}\n`);
    return 0;
  }
  if (updated !== readme) {
    process.stderr.write(
      `readme-tables: the tables in ${readmePath} differ from ${actionPath}; run: node scripts/readme-tables.mjs --write\n`,
    );
    return 1;
  }
  process.stdout.write('readme-tables: README tables match action.yml\n');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
