#!/usr/bin/env node
// Builds a minimal Docker image for a Node service without pulling anything: the host's `node`
// binary, the shared libraries `ldd` lists for it, and the service's files, packed into a rootfs
// tarball and loaded with `docker import`. Used by the tests and by the demo on machines that have
// an engine but no registry access. Users with a registry build from examples/backend-rag/Dockerfile.
//
//   node scripts/build-node-image.mjs --tag NAME[:TAG] --file LOCAL=/app/PATH [--file ...]
//        [--cmd /app/server.js] [--env KEY=VALUE ...] [--label KEY=VALUE ...] [--user node]
//
// The image carries a label with a hash of its inputs; a second call with the same inputs reuses it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HASH_LABEL = 'dev.perf-gate.rootfs-hash';

function sharedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = [];
  for (const line of out.split('\n')) {
    const arrow = line.match(/=>\s+(\/\S+)/);
    const direct = line.match(/^\s+(\/\S+)\s+\(/);
    const path = arrow?.[1] ?? direct?.[1];
    if (path) libs.push(path);
  }
  return libs;
}

function docker(args, options = {}) {
  const result = spawnSync('docker', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`docker ${args[0]} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * @param {{ tag: string, files: Array<[string, string]>, cmd?: string[], env?: string[], labels?: string[], user?: 'root' | 'node' }} spec
 *   user: who the process runs as; 'node' (uid 1000, in the image's /etc/passwd) keeps a service off root.
 * @returns {{ tag: string, reused: boolean }}
 */
export function buildNodeImage(spec) {
  const node = realpathSync(process.execPath);
  const libs = sharedLibraries(node);
  const cmd = spec.cmd ?? ['/app/server.js'];
  const env = spec.env ?? [];
  const labels = spec.labels ?? [];
  const user = spec.user ?? 'root';
  if (user !== 'root' && user !== 'node')
    throw new Error(`user: got ${JSON.stringify(user)}; expected 'root' or 'node'`);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ cmd, env, labels, user, node: process.version, libs }));
  for (const [local, target] of spec.files) hash.update(target).update(readFileSync(local));
  const digest = hash.digest('hex').slice(0, 16);

  const existing = spawnSync(
    'docker',
    ['image', 'inspect', '--format', `{{index .Config.Labels "${HASH_LABEL}"}}`, spec.tag],
    { encoding: 'utf8' },
  );
  if (existing.status === 0 && existing.stdout.trim() === digest) return { tag: spec.tag, reused: true };

  const root = mkdtempSync(join(tmpdir(), 'perf-gate-rootfs-'));
  try {
    const place = (source, target) => {
      const dest = join(root, target);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(source, dest);
      return dest;
    };
    chmodSync(place(node, '/usr/local/bin/node'), 0o755);
    for (const lib of libs) place(realpathSync(lib), lib);
    for (const [local, target] of spec.files) place(local, target);
    mkdirSync(join(root, 'tmp'), { recursive: true, mode: 0o1777 });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/false\nnode:x:1000:1000:node:/app:/bin/false\n',
    );
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    const tarball = join(root, '..', `${root.split('/').pop()}.tar`);
    execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
    const changes = [
      `ENTRYPOINT ["/usr/local/bin/node"]`,
      `CMD ${JSON.stringify(cmd)}`,
      'WORKDIR /app',
      `USER ${user}`,
      `LABEL ${HASH_LABEL}=${digest}`,
      ...env.map((pair) => `ENV ${pair}`),
      ...labels.map((pair) => `LABEL ${pair}`),
    ];
    docker(['import', ...changes.flatMap((change) => ['--change', change]), tarball, spec.tag]);
    rmSync(tarball, { force: true });
    return { tag: spec.tag, reused: false };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const spec = { tag: '', files: [], env: [], labels: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    i += 1;
    if (flag === '--tag') spec.tag = value;
    else if (flag === '--file') {
      const eq = value.indexOf('=');
      if (eq < 1 || !value.slice(eq + 1).startsWith('/'))
        throw new Error(`--file: got ${JSON.stringify(value)}; expected LOCAL=/absolute/path/in/image`);
      spec.files.push([value.slice(0, eq), value.slice(eq + 1)]);
    } else if (flag === '--cmd') spec.cmd = [value];
    else if (flag === '--env') spec.env.push(value);
    else if (flag === '--label') spec.labels.push(value);
    else if (flag === '--user') spec.user = value;
    else throw new Error(`unknown flag ${flag}; expected --tag, --file, --cmd, --env, --label or --user`);
  }
  if (!spec.tag) throw new Error('--tag: missing; expected an image name such as perf-gate/backend-rag:local');
  return spec;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = buildNodeImage(parseArgs(process.argv.slice(2)));
    process.stdout.write(`${result.tag} ${result.reused ? '(reused)' : '(built)'}\n`);
  } catch (error) {
    process.stderr.write(`build-node-image: ${error.message}\n`);
    process.exit(2);
  }
}
