/**
 * A message that names a config key sends the user to that key: it must exist. `statistics.method`
 * and `statistics.min-pairs` were named once, in a config that has only `gate.*`. Every quoted dotted
 * key in a line of src/ that throws or logs is looked up in schema/perf-gate.schema.json (a results.json
 * "field '...'" in schema/results.schema.json); file names ('perf-gate.yml') are not keys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

type SchemaNode = { $ref?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode; [k: string]: unknown };

/** Every key path a JSON Schema allows, list items written `[]`: `load.workload.requests[].path`. */
function schemaKeyPaths(schema: SchemaNode): Set<string> {
  const paths = new Set<string>();
  const resolve = (ref: string): SchemaNode =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<SchemaNode>((node, part) => node[part] as SchemaNode, schema);
  const seen = new Set<SchemaNode>();
  const walk = (node: SchemaNode | undefined, path: string): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (node.$ref) walk(resolve(node.$ref), path);
    for (const k of ['oneOf', 'anyOf', 'allOf'] as const)
      for (const sub of (node[k] as SchemaNode[] | undefined) ?? []) walk(sub, path);
    for (const k of ['if', 'then', 'else', 'not'] as const) walk(node[k] as SchemaNode | undefined, path);
    for (const [key, sub] of Object.entries(node.properties ?? {})) {
      const full = path ? `${path}.${key}` : key;
      paths.add(full);
      walk(sub, full);
    }
    walk(node.items, `${path}[]`);
    seen.delete(node);
  };
  walk(schema, '');
  return paths;
}

/**
 * A line that throws or logs, or hands a key to a checker (`positive('load.rate', v)`): what it says
 * reaches the user.
 */
const MESSAGE_LINE =
  /\bthrow\b|invalidValue\(|Error\(|\b(?:log|logger)\.(?:info|warn|warning|error|notice)\(|\.(?:warning|error|notice)\(|\b\w+\('[A-Za-z][\w-]*\.[A-Za-z]/;
/** A quoted dotted key: 'gate.minPairs', 'backend.candidate.port', 'targets[0].metric'. */
const QUOTED_KEY = /(field |config key )?'([A-Za-z][\w-]*(?:\[\d*\])?(?:\.[A-Za-z][\w-]*(?:\[\d*\])?)+)'/g;
const FILE_NAME = /\.(?:ya?ml|json|js|ts|md|html|sql|toml|ini|txt|mod|conf|log|pid|invalid)$/;

interface NamedKey {
  key: string;
  /** 'config' (perf-gate.yml) or 'results' (a results.json field). */
  document: 'config' | 'results';
  where: string;
}

/** The keys that messages in these sources name. */
function keysNamedInMessages(sources: Map<string, string>): NamedKey[] {
  const named: NamedKey[] = [];
  for (const [path, source] of sources) {
    // A message spans lines once formatted (`throw invalidValue(` on one line, the key on the next):
    // every line of the statement that throws or logs counts, up to the `;` that ends it.
    let inMessage = false;
    source.split('\n').forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed.startsWith('//') || trimmed.startsWith('*')) return;
      inMessage ||= MESSAGE_LINE.test(line);
      const message = inMessage;
      if (trimmed.endsWith(';') || trimmed.endsWith('{') || trimmed.endsWith('}')) inMessage = false;
      if (!message) return;
      for (const match of line.matchAll(QUOTED_KEY)) {
        const key = match[2]!.replace(/\[\d*\]/g, '[]');
        if (FILE_NAME.test(key)) continue;
        named.push({ key, document: match[1] === 'field ' ? 'results' : 'config', where: `${path}:${i + 1}` });
      }
    });
  }
  return named;
}

function sourceFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path), readFileSync(path, 'utf8'));
  }
  return files;
}

const schemas = {
  config: schemaKeyPaths(JSON.parse(readFileSync(join(root, 'schema/perf-gate.schema.json'), 'utf8'))),
  results: schemaKeyPaths(JSON.parse(readFileSync(join(root, 'schema/results.schema.json'), 'utf8'))),
};

describe('config keys named in messages', () => {
  const named = keysNamedInMessages(sourceFiles(join(root, 'src')));

  it('exist in the schema of the document they name', () => {
    const missing = named
      .filter((n) => !schemas[n.document].has(n.key))
      .map((n) => `${n.where}: '${n.key}' is not a key of the ${n.document} schema`);
    expect(missing).toEqual([]);
  });

  it('are found (a reader that found none would pass above)', () => {
    const keys = named.map((n) => n.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'gate.minPairs',
        'backend.candidate.port',
        'database.baseline.before',
        'load.mode',
        'report.dir',
      ]),
    );
    expect(named.filter((n) => n.document === 'results').map((n) => n.key)).toContain('tool.name');
    expect(named.length).toBeGreaterThan(15);
  });
});

describe('keysNamedInMessages', () => {
  it('reads keys in thrown and logged messages, not file names, comments or lines that say nothing', () => {
    const sources = new Map([
      [
        'src/a.ts',
        [
          "throw invalidValue('statistics.method', m, 'one of t');",
          "throw invalidValue(\"config key 'targets[0].metric'\", m, 'x');",
          "log.warning(`config key 'gate.minPairs' is ignored; see 'perf-gate.yml'`);",
          "throw new InputError(`${source} field 'tool.name': got x`);",
          "// throw invalidValue('old.key', 1, 'x');",
          "const LABEL = 'perf-gate.managed';",
          "positive('load.roundDurationMs', settings.roundDurationMs);",
          'throw invalidValue(',
          "  `config key 'report.dir'`,",
          '  dir,',
          ');',
          "const after = 'not.a.message';",
        ].join('\n'),
      ],
    ]);
    expect(keysNamedInMessages(sources)).toEqual([
      { key: 'statistics.method', document: 'config', where: 'src/a.ts:1' },
      { key: 'targets[].metric', document: 'config', where: 'src/a.ts:2' },
      { key: 'gate.minPairs', document: 'config', where: 'src/a.ts:3' },
      { key: 'tool.name', document: 'results', where: 'src/a.ts:4' },
      { key: 'load.roundDurationMs', document: 'config', where: 'src/a.ts:7' },
      { key: 'report.dir', document: 'config', where: 'src/a.ts:9' },
    ]);
  });

  it('lists the schema paths, through $ref, oneOf and list items', () => {
    const schema = {
      properties: { gate: { $ref: '#/$defs/gate' }, targets: { items: { oneOf: [{ properties: { metric: {} } }] } } },
      $defs: { gate: { properties: { minPairs: {} } } },
    };
    expect([...schemaKeyPaths(schema)].sort()).toEqual(['gate', 'gate.minPairs', 'targets', 'targets[].metric']);
  });
});
