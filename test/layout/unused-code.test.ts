/**
 * src/ holds what the program runs: every file is reached from the entry, and a module is loaded one way.
 * Code no path uses (a barrel nobody imports, a harness only its tests call) lives elsewhere or goes.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  dynamicRelativeImports,
  reachableFiles,
  relativeImports,
  resolveImport,
  sourceTexts,
} from '../helpers/import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = sourceTexts(root);

describe('src/', () => {
  it('has no file the entry (src/index.ts) does not reach', () => {
    const reached = reachableFiles(files, 'src/index.ts');
    expect(reached.size).toBeGreaterThan(100);
    expect([...files.keys()].filter((path) => !reached.has(path))).toEqual([]);
  });

  it('loads no module both with a static import and with import(): the import() defers nothing', () => {
    const twice = [...files].flatMap(([path, source]) => {
      if (!source.includes('import(')) return [];
      const dynamic = dynamicRelativeImports(source).map((s) => resolveImport(path, s));
      const statics = relativeImports(source).map((s) => resolveImport(path, s));
      for (const target of dynamic) statics.splice(statics.indexOf(target), 1);
      return [...new Set(dynamic)].filter((target) => statics.includes(target)).map((target) => `${path} → ${target}`);
    });
    expect(twice).toEqual([]);
  });
});

describe('the import graph helpers', () => {
  it('reach through static, re-exporting and dynamic imports, and no further', () => {
    const tree = new Map(
      Object.entries({
        'src/index.ts': "import { main } from './cli/main.js';",
        'src/cli/main.ts': "export * from './args.js';\nconst later = await import('../database/url.js');",
        'src/cli/args.ts': '',
        'src/database/url.ts': "import type { Pool } from './pool.js';",
        'src/database/pool.ts': '',
        'src/metrics/index.ts': "export * from './parse.js';",
        'src/metrics/parse.ts': '',
      }),
    );
    expect([...reachableFiles(tree, 'src/index.ts')].sort()).toEqual([
      'src/cli/args.ts',
      'src/cli/main.ts',
      'src/database/pool.ts',
      'src/database/url.ts',
      'src/index.ts',
    ]);
  });

  it('tell a dynamic import from a static one', () => {
    const source =
      "import { a } from './a.js';\nconst b = await import('./b.js');\n// await import('./c.js')\nconst d = await import('node:fs');";
    expect(dynamicRelativeImports(source)).toEqual(['./b.js']);
  });
});
