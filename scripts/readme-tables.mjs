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
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { argValue, replaceRegion, writeOrCheck } from './readme-region.mjs';

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

/** README text with each of the two marked regions replaced by its table (see readme-region.mjs). */
export function replaceRegions(readme, tables) {
  return ['inputs', 'outputs'].reduce((out, name) => replaceRegion(out, name, tables[name]), readme);
}

export function main(args, root = fileURLToPath(new URL('../', import.meta.url))) {
  const readmePath = argValue(args, '--readme', `${root}README.md`);
  const actionPath = argValue(args, '--action', `${root}action.yml`);
  const tables = renderTables(readFileSync(actionPath, 'utf8'));
  if (!args.includes('--check') && !args.includes('--write')) {
    process.stdout.write(`${tables.inputs}\n\n${tables.outputs}\n`);
    return 0;
  }
  return writeOrCheck({
    args,
    tool: 'readme-tables',
    readmePath,
    update: (readme) => replaceRegions(readme, tables),
    differs: `the tables in ${readmePath} differ from ${actionPath}`,
    matches: 'README tables match action.yml',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
