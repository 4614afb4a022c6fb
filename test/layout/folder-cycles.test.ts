/**
 * The folders of src/ import each other in one direction: no folder cycle. A cycle (`gate → stats → gate`
 * once, through the calibration harness) means two folders can only be read, tested and changed together.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  adjacencyList,
  folderCycles,
  folderEdges,
  folderOf,
  relativeImports,
  sourceFolderEdges,
  sourceFolders,
} from '../helpers/import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the folder graph of src/', () => {
  it('has no cycle', () => {
    const cycles = folderCycles(sourceFolderEdges(root));
    expect(
      cycles,
      `folder cycles in src/:\n${cycles.map((c) => `${c.cycles.join('; ')}\n  ${c.edges.join('\n  ')}`).join('\n')}`,
    ).toEqual([]);
  });

  it('is read from every folder and every kind of import (a graph that lost its edges would pass above)', () => {
    const edges = sourceFolderEdges(root);
    const list = adjacencyList(edges, sourceFolders(root));
    expect(list).toContain('index.ts → cli');
    expect(list).toContain('model → (nothing)');
    expect(edges.length).toBeGreaterThan(30);
    expect(edges.map((e) => `${e.from} → ${e.to}`)).toEqual(expect.arrayContaining(['gate → stats', 'load → model']));
  });
});

describe('folderCycles', () => {
  const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it('names each cycle once, with the imports that make it', () => {
    const edges = folderEdges(
      files({
        'src/gate/evaluate.ts': "import { mean } from '../stats/mean.js';",
        'src/stats/mean.ts': "import type { Verdict } from '../gate/evaluate.js';\nexport const mean = 1;",
        'src/load/plan.ts': "export { random } from '../stats/random.js';",
        'src/stats/random.ts': "const round = await import('../load/plan.js');",
        'src/report/render.ts': "import '../gate/evaluate.js';",
      }),
    );
    expect(folderCycles(edges)).toEqual([
      {
        cycles: ['gate → stats → gate', 'load → stats → load'],
        edges: [
          'gate → stats (src/gate/evaluate.ts imports ../stats/mean.js)',
          'load → stats (src/load/plan.ts imports ../stats/random.js)',
          'stats → gate (src/stats/mean.ts imports ../gate/evaluate.js)',
          'stats → load (src/stats/random.ts imports ../load/plan.js)',
        ],
      },
    ]);
  });

  it('counts a file directly under src/ as its own node, and finds a longer cycle through one', () => {
    const edges = folderEdges(
      files({
        'src/errors.ts': "import { log } from './log/write.js';",
        'src/log/write.ts': "import { format } from '../report/format.js';",
        'src/report/format.ts': "import { InputError } from '../errors.js';",
      }),
    );
    expect(folderCycles(edges).map((c) => c.cycles)).toEqual([['errors.ts → log → report → errors.ts']]);
  });

  it('finds none in a graph that only goes one way, and ignores imports inside a folder and outside src/', () => {
    const edges = folderEdges(
      files({
        'src/cli/main.ts':
          "import { run } from './run.js';\nimport { gate } from '../gate/evaluate.js';\nimport { x } from '../../bench/x.js';",
        'src/cli/run.ts': "import { main } from './main.js';",
        'src/gate/evaluate.ts': "import { errors } from '../errors.js';",
      }),
    );
    expect(adjacencyList(edges)).toEqual(['cli → gate', 'errors.ts → (nothing)', 'gate → errors.ts']);
    expect(folderCycles(edges)).toEqual([]);
  });
});

describe('relativeImports', () => {
  it('reads static, type-only, re-exporting, side-effect and dynamic imports, and skips comments and strings', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export * from './c.js';",
      'export { d } from "../d/d.js";',
      "import './e.js';",
      "const f = await import('../f/f.js');",
      "import { readFileSync } from 'node:fs';",
      "// import { g } from '../g/g.js';",
      'const h = "import(\'../h/h.js\')";',
    ].join('\n');
    expect(relativeImports(source)).toEqual(['./a.js', '../b/b.js', './c.js', '../d/d.js', './e.js', '../f/f.js']);
  });

  it('places a file in its top folder under src/, or in itself when it lies directly in src/', () => {
    expect(folderOf('src/load/run-round.ts')).toBe('load');
    expect(folderOf('src/pipeline/stages/bench.ts')).toBe('pipeline');
    expect(folderOf('src/errors.ts')).toBe('errors.ts');
  });
});
