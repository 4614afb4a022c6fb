#!/usr/bin/env node
// Builds dist/ with ncc: the CLI/action bundle, then the reference backend.
//
// Every Node built-in is declared external. For an ES module's `import('node:module')` ncc then
// emits a native import of the built-in instead of webpack's CommonJS interop. That interop builds
// a namespace by copying the own properties of an *object* export; a built-in whose export is a
// function (module, assert, events, stream) comes back with nothing but `default`, so PGlite's
// `const { createRequire } = await import('node:module')` got `undefined` in the bundle and the
// PGlite fallback died with "e is not a function".
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

const builtins = [
  ...new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`]))),
].sort();
const externals = builtins.flatMap((name) => ['-e', name]);

function build(entry, out, extra) {
  const result = spawnSync(
    process.execPath,
    [ncc, 'build', entry, '-o', out, '--target', 'es2022', '--quiet', ...extra],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0)
    throw new Error(`ncc build ${entry} failed with exit code ${result.status ?? result.signal}`);
}

// ncc does not empty its output folder: chunk files of an earlier build would linger and be committed.
rmSync(join(root, 'dist'), { recursive: true, force: true });
build('src/index.ts', 'dist', ['--license', 'licenses.txt', ...externals]);
build('examples/backend-rag/server.mjs', 'dist/backend-rag', []);
