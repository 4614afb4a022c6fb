/**
 * The import graph of src/, file by file (what the entry reaches) and at folder level.
 *
 * At folder level a node is a folder directly under src/ (`load`, `stats`), or a file directly under src/
 * (`errors.ts`); an edge `a → b` means some file in `a` imports, re-exports or dynamically imports a file
 * in `b`. Imports inside one folder are no edge. A cycle here means two
 * folders cannot be read, tested or moved one without the other.
 *
 * Imports are found with TypeScript's own pre-processor (`ts.preProcessFile`), which reads
 * `import ... from`, `import type`, `export ... from`, bare `import '...'` and `import('...')`, and skips
 * comments and strings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** The relative module specifiers a source text imports, in order of appearance. */
export function relativeImports(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('./') || name.startsWith('../'));
}

/** The relative specifiers a source text loads with `import('...')`, found in its syntax tree. */
export function dynamicRelativeImports(source: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument) && /^\.\.?\//.test(argument.text)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('module.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return found;
}

/** The file a relative specifier of `from` names (`src/cli/main.ts` + `../log.js` → `src/log.ts`). */
export function resolveImport(from: string, specifier: string): string {
  return posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
}

/** The files reachable from `entry` through relative imports of any kind, `entry` included. */
export function reachableFiles(files: ReadonlyMap<string, string>, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path) || !files.has(path)) continue;
    seen.add(path);
    for (const specifier of relativeImports(files.get(path)!)) queue.push(resolveImport(path, specifier));
  }
  return seen;
}

/** The source texts of every file of the src/ tree under `root`, by path. */
export function sourceTexts(root: string): Map<string, string> {
  return new Map(sourceFiles(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));
}

/** Every .ts file under `dir` (paths relative to `root`, with forward slashes). */
export function sourceFiles(root: string, dir = 'src'): string[] {
  const files: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(join(root, dir));
  return files.sort();
}

/** The node a path under src/ belongs to: its top folder, or the file itself when it lies directly in src/. */
export function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length <= 2 ? parts[parts.length - 1]! : parts[1]!;
}

/** One folder-level edge, with the file import that makes it (the first one found). */
export interface FolderEdge {
  from: string;
  to: string;
  via: string;
}

/**
 * The folder edges of a set of files. `files` maps a path under src/ (`src/load/run-round.ts`) to its
 * source text; a specifier is resolved against the importing file, and one that leaves src/ is ignored.
 */
export function folderEdges(files: ReadonlyMap<string, string>): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  for (const [path, source] of files) {
    for (const specifier of relativeImports(source)) {
      const target = resolveImport(path, specifier);
      if (!target.startsWith('src/')) continue;
      const from = folderOf(path);
      const to = folderOf(target);
      const key = `${from}\0${to}`;
      if (from !== to && !edges.has(key)) edges.set(key, { from, to, via: `${path} imports ${specifier}` });
    }
  }
  return [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The graph as an adjacency list, one line a node: `load → errors.ts, model, stats`. */
export function adjacencyList(edges: readonly FolderEdge[], nodes: Iterable<string> = []): string[] {
  const next = new Map<string, string[]>();
  for (const node of nodes) next.set(node, []);
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  return [...next.keys()].sort().map((node) => `${node} → ${next.get(node)!.sort().join(', ') || '(nothing)'}`);
}

/**
 * The cycles of the folder graph: for each strongly connected component of more than one folder, the
 * shortest closed path through each of its folders (`gate → stats → gate`, `load → stats → load`, each
 * cycle once) and the imports that make the component's edges.
 */
export function folderCycles(edges: readonly FolderEdge[]): { cycles: string[]; edges: string[] }[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const components = stronglyConnected(
    [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort(),
    (n) => next.get(n) ?? [],
  );
  return components
    .filter((c) => c.length > 1)
    .map((component) => {
      const inside = new Set(component);
      const within = (n: string) => (next.get(n) ?? []).filter((m) => inside.has(m));
      const cycles = new Map<string, string>();
      for (const start of component) {
        const path = closedPath(start, within);
        // One entry per cycle, whichever folder it was found from: key it by its rotation that starts lowest.
        const ring = path.slice(0, -1);
        const lowest = ring.indexOf([...ring].sort()[0]!);
        const rotated = [...ring.slice(lowest), ...ring.slice(0, lowest)];
        cycles.set(rotated.join('\0'), [...rotated, rotated[0]].join(' → '));
      }
      return {
        cycles: [...cycles.values()].sort(),
        edges: edges.filter((e) => inside.has(e.from) && inside.has(e.to)).map((e) => `${e.from} → ${e.to} (${e.via})`),
      };
    });
}

/** Tarjan's algorithm: the strongly connected components of a directed graph. */
function stronglyConnected(nodes: readonly string[], successors: (node: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const m of successors(node)) {
      if (!index.has(m)) {
        visit(m);
        low.set(node, Math.min(low.get(node)!, low.get(m)!));
      } else if (onStack.has(m)) {
        low.set(node, Math.min(low.get(node)!, index.get(m)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let m: string;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        component.push(m);
      } while (m !== node);
      components.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest path from `start` back to itself (breadth first), as a list of nodes that ends where it starts. */
function closedPath(start: string, successors: (node: string) => readonly string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const m of successors(node)) {
      if (m === start) {
        const between: string[] = [];
        for (let at = node; at !== start; at = parent.get(at)!) between.unshift(at);
        return [start, ...between, start];
      }
      if (!parent.has(m)) {
        parent.set(m, node);
        queue.push(m);
      }
    }
  }
  return [start];
}

/** The folder edges of the src/ tree under `root`, read from disk. */
export function sourceFolderEdges(root: string): FolderEdge[] {
  return folderEdges(sourceTexts(root));
}

/** Every node of the src/ tree under `root`, whether or not it imports or is imported. */
export function sourceFolders(root: string): string[] {
  return [...new Set(sourceFiles(root).map(folderOf))].sort();
}
