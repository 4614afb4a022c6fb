#!/usr/bin/env node
// Builds the docker image perf-gate/backend-rag:local without a registry: ncc bundles server.mjs
// and its dependencies (pg, prom-client) into one ESM file, and scripts/build-node-image.mjs
// packs it with the host's node binary via `docker import`. On a machine with registry access,
// `docker build -f examples/backend-rag/Dockerfile .` gives the equivalent image from node:20-slim.
//
//   node examples/backend-rag/build-image.mjs [--tag perf-gate/backend-rag:local]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildNodeImage } from '../../scripts/build-node-image.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

export const DEFAULT_TAG = 'perf-gate/backend-rag:local';

/**
 * @param {{ tag?: string }} [options]
 * @returns {{ tag: string, reused: boolean }}
 */
export function buildBackendRagImage(options = {}) {
  const tag = options.tag ?? DEFAULT_TAG;
  const ncc = join(repoRoot, 'node_modules', '.bin', 'ncc');
  if (!existsSync(ncc)) throw new Error(`ncc not found at ${ncc}; run npm ci in the repository first`);
  const out = mkdtempSync(join(tmpdir(), 'backend-rag-bundle-'));
  try {
    const result = spawnSync(ncc, ['build', join(here, 'server.mjs'), '-o', out, '--quiet'], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    if (result.error) throw new Error(`ncc could not run: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`ncc build failed: ${(result.stderr || result.stdout).trim()}`);
    const bundle = join(out, 'index.mjs');
    if (!existsSync(bundle)) throw new Error(`ncc produced no ${bundle}`);
    // The .mjs name matters: the image holds no package.json, so only the extension tells node
    // the bundle is an ES module.
    return buildNodeImage({
      tag,
      files: [[bundle, '/app/server.mjs']],
      cmd: ['/app/server.mjs'],
      env: ['PORT=8080', 'HOST=0.0.0.0', 'NODE_ENV=production'],
      labels: ['org.opencontainers.image.title=perf-gate-backend-rag'],
      // Like the Dockerfile's USER node: the service needs no root inside the container.
      user: 'node',
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { tag: { type: 'string', default: DEFAULT_TAG } } });
    const result = buildBackendRagImage({ tag: values.tag });
    process.stdout.write(`${result.tag} ${result.reused ? '(reused)' : '(built)'}\n`);
  } catch (error) {
    process.stderr.write(`build-image: ${error.message}\n`);
    process.exit(error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 3);
  }
}
