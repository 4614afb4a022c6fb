/**
 * The example's docker image, built offline by examples/backend-rag/build-image.mjs, runs
 * against a real PostgreSQL cluster with `--network host` and answers searches and /metrics.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDocker } from '../helpers/docker.js';
import { freePort, probePostgres, startTestCluster, type TestCluster } from '../helpers/postgres.js';
import { applyMigrations, exampleDir, scrape, search, withClient } from '../helpers/rag-server.js';
import { requireService } from '../helpers/services.js';

const available = requireService('postgres', probePostgres()) && requireService('docker', probeDocker());
const TAG = 'perf-gate/backend-rag:local';

function docker(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

describe.skipIf(!available)('backend-rag docker image', () => {
  let cluster: TestCluster;
  const containerName = `perf-gate-backend-rag-test-${process.pid}`;

  beforeAll(async () => {
    cluster = await startTestCluster();
    await withClient(cluster.url, (client) => client.query('CREATE DATABASE rag'));
    await applyMigrations(cluster.urlFor('rag'), ['001_schema.sql', '002_seed_data.sql', '022_search_indexes.sql']);
  });

  afterAll(async () => {
    docker(['rm', '-f', containerName]);
    await cluster?.stop();
  });

  it('builds with build-image.mjs and serves searches and metrics from a container', async () => {
    const build = spawnSync(process.execPath, [join(exampleDir, 'build-image.mjs'), '--tag', TAG], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(build.stdout).toMatch(new RegExp(`^${TAG} \\((built|reused)\\)`));
    // The service runs as the image's unprivileged user, as the Dockerfile's USER node does.
    expect(docker(['image', 'inspect', '--format', '{{.Config.User}}', TAG]).stdout.trim()).toBe('node');

    const port = await freePort();
    const run = docker([
      'run',
      '-d',
      '--name',
      containerName,
      '--network',
      'host',
      '-e',
      `DATABASE_URL=${cluster.urlFor('rag')}`,
      '-e',
      `PORT=${port}`,
      '-e',
      'HOST=127.0.0.1',
      '-e',
      'EARLY_EXIT_SCORE=0.9',
      TAG,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const baseUrl = `http://127.0.0.1:${port}`;
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i += 1) {
      healthy = await fetch(`${baseUrl}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(healthy, docker(['logs', containerName]).stderr).toBe(true);

    const title = await withClient(
      cluster.urlFor('rag'),
      async (client) => (await client.query('SELECT title FROM documents WHERE id = 99')).rows[0].title as string,
    );
    const response = await search(baseUrl, title);
    expect(response.results[0].id).toBe(99);
    expect(response.earlyExit).toBe(true);
    const metrics = await scrape(baseUrl);
    expect(metrics.value('rag_searches_total')).toBe(1);
    expect(metrics.value('rag_early_exit_total')).toBe(1);

    // docker stop sends SIGTERM: the service must exit 0, not be killed after the grace period.
    expect(docker(['stop', '-t', '20', containerName]).status).toBe(0);
    expect(docker(['inspect', '--format', '{{.State.ExitCode}}', containerName]).stdout).toBe('0');
    expect(docker(['logs', containerName]).stderr).toContain('SIGTERM: closing the server and the database pool');
    expect(docker(['rm', containerName]).status).toBe(0);
    expect(docker(['ps', '-a', '--filter', `name=${containerName}`, '--format', '{{.Names}}']).stdout).toBe('');
  });
});
