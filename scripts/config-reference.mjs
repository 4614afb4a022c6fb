#!/usr/bin/env node
/**
 * README.md's config reference, generated from schema/perf-gate.schema.json (the schema the loader's
 * rules are checked against by test/config/schema-*.test.ts): one row per key, with its type, allowed
 * values, default and meaning.
 *
 *   node scripts/config-reference.mjs            print the reference
 *   node scripts/config-reference.mjs --check    exit 1 when README.md's region differs (or is missing)
 *   node scripts/config-reference.mjs --write    rewrite the region between the markers
 *
 * Region: <!-- config-reference:start --> ... <!-- config-reference:end -->. --readme and --schema point
 * at other files (the tests use copies).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { argValue, replaceRegion, writeOrCheck } from './readme-region.mjs';

/** What a shared definition is called in the table. */
const NAMED = {
  duration: 'duration ("500ms", "5s", "2m", seconds)',
  number: 'number',
  flag: 'true / false',
  text: 'text',
  migrationVersion: 'version ("022")',
  stringList: 'list of text',
  stringMap: 'mapping of text',
  urlPath: 'URL path',
};

/** A table cell: pipes escaped, '<' written as an entity (GitHub drops `<metric>` as an unknown tag), line breaks folded. */
function cell(text) {
  return String(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .trim();
}

function definition(schema, ref) {
  return schema.definitions[ref.split('/').pop()];
}

/** The node and everything it pulls in by allOf / $ref, merged shallowly (properties merged). */
function flatten(schema, node) {
  if (!node || typeof node !== 'object') return {};
  let merged = { ...node };
  if (node.$ref) merged = { ...flatten(schema, definition(schema, node.$ref)), ...merged, $ref: node.$ref };
  for (const part of node.allOf ?? []) {
    const inner = flatten(schema, part);
    merged = {
      ...inner,
      ...merged,
      properties: { ...(inner.properties ?? {}), ...(merged.properties ?? {}) },
      $refs: [...(merged.$refs ?? []), ...(inner.$refs ?? []), ...(part.$ref ? [part.$ref] : [])],
    };
  }
  return merged;
}

function refsOf(node) {
  const refs = [...(node.$refs ?? [])];
  if (node.$ref) refs.push(node.$ref);
  for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) if (alt.$ref) refs.push(alt.$ref);
  return refs.map((r) => r.split('/').pop());
}

function typeText(schema, node) {
  const values = node.enum?.filter((v) => v !== null);
  if (values?.length) return `one of ${values.map((v) => `\`${v}\``).join(', ')}`;
  const named = refsOf(node).find((r) => NAMED[r]);
  const types = [node.type ?? []].flat();
  const alternatives = [...(node.oneOf ?? []), ...(node.anyOf ?? [])].map((alt) => flatten(schema, alt));
  if (alternatives.some((a) => [a.type ?? []].flat().includes('object')) && named)
    return `${NAMED[named]} or a mapping`;
  if (named) return NAMED[named];
  if (types.includes('array') || node.items) return 'list';
  if (types.includes('object') || node.properties) return 'mapping';
  if (types.includes('string')) return 'text';
  return '';
}

function rangeText(node) {
  const max = node.maximum;
  if (node.exclusiveMinimum !== undefined)
    return max === undefined ? ` (> ${node.exclusiveMinimum})` : ` (> ${node.exclusiveMinimum}, ≤ ${max})`;
  const min = node.minimum;
  if (min === undefined && max === undefined) return '';
  if (min !== undefined && max !== undefined) return ` (${min}..${max})`;
  return min !== undefined ? ` (≥ ${min})` : ` (≤ ${max})`;
}

/** Keys whose rule lives in a conditional (if/then) of the enclosing object: the first `then` that names them. */
function conditionalSchema(schema, parent, key) {
  for (const part of parent.allOf ?? []) {
    const then = part.then?.properties?.[key];
    if (then && (then.type || then.allOf || then.$ref || then.enum)) return flatten(schema, then);
  }
  return undefined;
}

/** Per-variant overrides repeat the shared keys: listed once, not expanded again. */
const VARIANT_OVERRIDES = new Set(['backend.baseline', 'backend.candidate']);

/** Rows [key, type, default, meaning] for every key under `node`, depth first in schema order. */
function rows(schema, node, prefix, out) {
  const flat = flatten(schema, node);
  for (const [key, raw] of Object.entries(flat.properties ?? {})) {
    let child = flatten(schema, raw);
    const path = `${prefix}${key}`;
    const defaultValue = child.default ?? raw.default;
    if (!typeText(schema, child)) child = { ...(conditionalSchema(schema, flat, key) ?? {}), ...child };
    const type = VARIANT_OVERRIDES.has(path)
      ? 'mapping: any key of `backend`, for this variant'
      : `${typeText(schema, child) || 'any'}${rangeText(child)}`;
    out.push([
      `\`${path}\``,
      type,
      defaultValue === undefined || defaultValue === null ? '' : `\`${JSON.stringify(defaultValue)}\``,
      raw.description ?? child.description ?? '',
    ]);
    const objectForm = [child, ...(child.oneOf ?? []), ...(child.anyOf ?? [])]
      .map((n) => flatten(schema, n))
      .find((n) => n.properties);
    if (objectForm && !VARIANT_OVERRIDES.has(path)) rows(schema, objectForm, `${path}.`, out);
    const items = child.items && flatten(schema, child.items);
    if (items?.properties) rows(schema, items, `${path}[].`, out);
  }
  return out;
}

/** @param {string} schemaJson */
export function renderReference(schemaJson) {
  const schema = JSON.parse(schemaJson);
  const table = rows(schema, schema, '', []);
  return [
    '| Key | Type | Default | Meaning |',
    '| --- | --- | --- | --- |',
    ...table.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function main(args, root = fileURLToPath(new URL('../', import.meta.url))) {
  const readmePath = argValue(args, '--readme', `${root}README.md`);
  const schemaPath = argValue(args, '--schema', `${root}schema/perf-gate.schema.json`);
  const reference = renderReference(readFileSync(schemaPath, 'utf8'));
  if (!args.includes('--check') && !args.includes('--write')) {
    process.stdout.write(`${reference}\n`);
    return 0;
  }
  return writeOrCheck({
    args,
    tool: 'config-reference',
    readmePath,
    update: (readme) => replaceRegion(readme, 'config-reference', reference, '\n\n'),
    differs: `the reference in ${readmePath} differs from ${schemaPath}`,
    matches: 'README matches the schema',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
