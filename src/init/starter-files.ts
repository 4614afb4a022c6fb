/**
 * The files `perf-gate init` writes: a commented perf-gate.yml and a pull-request workflow, fitted
 * to what was detected. Pure: detection in, file texts out.
 */
import type { DetectedProject } from './detect-project.js';
import type { ProposedMetric } from './propose-metrics.js';

export interface StarterFile {
  path: string;
  content: string;
}

function migrationsBlock(p: DetectedProject): string {
  if (p.sqlMigrationsDir) {
    return [
      '  migrations:',
      `    dir: ${p.sqlMigrationsDir}             # NNN_name.sql files, applied in order, each in its own transaction`,
      '    # to: "022"                       # stop after this version',
      '  baseline:',
      '    # The baseline runs on a copy of the database taken before the migration under test.',
      '    strategy: template-copy',
      `    before: "${p.newestSqlMigration ?? '002'}"${' '.repeat(Math.max(1, 24 - (p.newestSqlMigration ?? '002').length))}# <- the first migration the baseline must NOT have (here: the newest; change it to the one under test)`,
    ].join('\n');
  }
  if (p.alembic) {
    const a = p.alembic;
    const env = a.envReadsDatabaseUrl
      ? []
      : [
          `    # <- ${a.scriptLocation}/env.py does not read DATABASE_URL: make it connect with it (perf-gate's database),`,
          "    #    not alembic.ini's sqlalchemy.url, or the run stops with exit 2.",
        ];
    // One revision has no "head-1" for the baseline: both variants then share the migrated database.
    const baseline =
      a.revisions > 1
        ? [
            '  baseline:',
            '    # The baseline runs on a copy of the database upgraded to the revision before the one under test.',
            '    strategy: template-copy',
            '    before: head                      # <- the revision under test (here: the newest)',
          ]
        : [
            '  baseline:',
            `    strategy: shared                  # ${a.revisions} revision(s) in ${a.scriptLocation}/versions: none before the newest to copy the baseline at`,
          ];
    return [
      '  migrations:',
      '    alembic:                          # `alembic upgrade`, run with DATABASE_URL in its environment',
      "      revision: head                  # the candidate's revision",
      `      command: ${yamlList(a.command)}   # the service's interpreter, so Alembic finds its packages`,
      ...env,
      ...baseline,
    ].join('\n');
  }
  return [
    '  # migrations:',
    '  #   dir: migrations                 # NNN_name.sql files',
    '  baseline:',
    '    strategy: shared',
  ].join('\n');
}

/** The workload: the project's request file when it has one, else a placeholder list to edit. */
function workloadBlock(p: DetectedProject): string[] {
  if (p.workloadFile) {
    return [
      '  workload:',
      `    file: ${p.workloadFile}                # one JSON request per line: method, path, headers, body`,
      '    order: sequential',
    ];
  }
  const requests =
    p.framework === 'fastapi'
      ? [
          '      - { method: POST, path: /api/search, body: { query: "what is perf-gate" }, weight: 3 }   # <- your busiest endpoints',
          '      - { method: GET, path: /health, weight: 1 }',
        ]
      : ['      - { method: GET, path: /, weight: 1 }   # <- your busiest endpoints'];
  return ['  workload:', '    requests:', ...requests];
}

/** YAML flow list of strings, each quoted only when YAML needs it ({port} does). */
function yamlList(items: string[]): string {
  return `[${items.map((item) => (/^[A-Za-z0-9_./:-]+$/.test(item) && !/^\d+$/.test(item) ? item : JSON.stringify(item))).join(', ')}]`;
}

/**
 * The command that starts the service on the port perf-gate picks for each variant: `{port}` is
 * replaced per variant (baseline and candidate run at once, so they cannot share one). Servers that
 * take the port as a flag get it there; Node servers read PORT by convention (portEnv).
 */
export function startCommand(p: DetectedProject): { command: string[]; known: boolean } {
  const app = p.appModule ?? 'main:app';
  const known = p.appModule !== undefined;
  if (p.language === 'python') {
    if (p.framework === 'django' && p.server !== 'gunicorn')
      return { command: ['python3', 'manage.py', 'runserver', '127.0.0.1:{port}', '--noreload'], known };
    if (p.server === 'gunicorn') {
      const worker = p.framework === 'fastapi' ? ['--worker-class', 'uvicorn.workers.UvicornWorker'] : [];
      return { command: ['python3', '-m', 'gunicorn', app, ...worker, '--bind', '127.0.0.1:{port}'], known };
    }
    if (p.server === 'hypercorn')
      return { command: ['python3', '-m', 'hypercorn', app, '--bind', '127.0.0.1:{port}'], known };
    if (p.framework === 'flask' && p.server === undefined)
      return {
        command: ['python3', '-m', 'flask', '--app', app.split(':')[0] ?? app, 'run', '--port', '{port}'],
        known,
      };
    return { command: ['python3', '-m', 'uvicorn', app, '--host', '127.0.0.1', '--port', '{port}'], known };
  }
  if (p.language === 'node' && p.nodeStart)
    return { command: 'script' in p.nodeStart ? ['npm', 'start'] : ['node', p.nodeStart.main], known: true };
  if (p.language === 'node') return { command: ['node', 'server.js'], known: false };
  return { command: ['./start-server', '--port', '{port}'], known: false };
}

/** What `init --probe` found at the service's metrics URL. */
export interface ProbeFindings {
  /** The URL scraped, credentials removed, named in the config's comment. */
  url: string;
  /** The path of that URL, the backend's metricsPath. */
  metricsPath: string;
  proposals: ProposedMetric[];
}

/** Text from a scraped page inside a YAML comment: one line, printable, short. */
function commentText(text: string): string {
  return text.replace(/[^\x20-\x7E]/g, ' ').slice(0, 200);
}

/** A YAML scalar: plain when it is a simple name, else a JSON string (which YAML reads as is). */
function scalar(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : JSON.stringify(value);
}

function metricsBlock(probe: ProbeFindings | undefined): string[] {
  if (!probe || probe.proposals.length === 0) {
    const none = probe
      ? [`# ${commentText(probe.url)} exposed no histogram or counter pair of the service's own.`]
      : [];
    return [...none, '# Server metrics read from /metrics each round (see the README for the kinds).', 'metrics: []'];
  }
  const lines = [
    `# Server metrics proposed from what ${commentText(probe.url)} exposed; keep what matters, delete the rest.`,
  ];
  lines.push('metrics:');
  for (const { definition: d, comment } of probe.proposals) {
    lines.push(`  # ${commentText(comment)}`);
    lines.push(`  - name: ${scalar(d.name)}`);
    lines.push(`    kind: ${d.kind}`);
    lines.push(`    metric: ${scalar(d.metric)}`);
    if (d.quantile !== undefined) lines.push(`    quantile: ${d.quantile}`);
    if (d.denominator) lines.push(`    denominator: { metric: ${scalar(d.denominator.metric)} }`);
    lines.push(`    unit: ${d.unit}`);
    if (d.direction === 'higher-is-better') lines.push('    direction: higher-is-better');
  }
  return lines;
}

function targetsBlock(probe: ProbeFindings | undefined): string[] {
  const lines = ['targets:', '  - latency_p95 worsens <= 5%', '  - error_rate <= 1%'];
  for (const proposal of probe?.proposals ?? [])
    lines.push(`  ${proposal.suggestTarget ? '' : '# '}- ${proposal.target}`);
  return lines;
}

export function starterConfig(p: DetectedProject, probe?: ProbeFindings): string {
  const health = p.healthPath ?? '/health';
  const healthNote = p.healthPath
    ? "# from fly.toml's check"
    : '# <- a path that answers 200 once the service is ready';
  const metrics = probe
    ? [
        `  metricsPath: ${/^\/[\w./-]*$/.test(probe.metricsPath) ? probe.metricsPath.padEnd(23) : JSON.stringify(probe.metricsPath)} # Prometheus text, scraped before and after each round`,
      ]
    : p.prometheusClient
      ? ['  metricsPath: /metrics               # Prometheus text, scraped before and after each round']
      : ['  # metricsPath: /metrics             # if the service serves Prometheus text'];
  const start = startCommand(p);
  const backend = p.dockerfile
    ? [
        'backend:',
        '  kind: image                         # built by the workflow before the gate runs',
        '  image: app:candidate',
        `  port: ${p.port}                          # the port inside the container${p.portSource === 'default' ? ' <- check it' : ` (from ${p.portSource})`}`,
        "  network: host                       # reaches a database on the runner's loopback",
        '  portEnv: PORT                       # the variable your server reads its port from',
        '  databaseUrlEnv: DATABASE_URL',
        `  healthPath: ${health}                ${healthNote}`,
        ...metrics,
        '  baseline:',
        '    image: app:baseline               # the base branch, built the same way',
        '  candidate: {}',
      ]
    : [
        'backend:',
        '  kind: command',
        `  command: ${yamlList(start.command)}${start.known ? '' : '   # <- how to start the service'}`,
        '  # {port} is replaced by the port perf-gate gives each variant (both run at once);',
        '  # the same port is also in the environment variable named by portEnv.',
        '  portEnv: PORT',
        '  databaseUrlEnv: DATABASE_URL',
        `  healthPath: ${health}                ${healthNote}`,
        ...metrics,
        '  baseline:',
        '    env: { FEATURE_FLAG: "off" }      # <- what differs between baseline and candidate',
        '  candidate:',
        '    env: { FEATURE_FLAG: "on" }',
      ];
  return [
    '# yaml-language-server: $schema=./node_modules/perf-gate/schema/perf-gate.schema.json',
    '# perf-gate configuration, written by `perf-gate init`. Check it with `npx perf-gate validate`.',
    '',
    'database:',
    '  # No url: a throwaway PostgreSQL is started. In CI pass the preview database with the',
    "  # action's database-url input; ${NAME} reads an environment variable.",
    migrationsBlock(p),
    '',
    ...backend,
    '',
    'load:',
    '  mode: open                          # constant arrival rate, latency from the planned send time',
    '  rate: 20                            # requests per second: below what the baseline sustains',
    '  warmup: 5s',
    '  # roundDuration, pairs, maxPairs: planned from gate.budget; set one to fix it yourself',
    ...workloadBlock(p),
    '',
    ...metricsBlock(probe),
    '',
    ...targetsBlock(probe),
    '',
    'gate:',
    '  budget: 3m                          # measuring time: plans rounds, pairs and looks; stops early once every target is decided',
    '  failOnInconclusive: false',
    '',
  ].join('\n');
}

export function starterWorkflow(p: DetectedProject): string {
  const build = p.dockerfile
    ? [
        '      - name: Build baseline and candidate images',
        '        run: |',
        '          git fetch --depth=1 origin "$BASE_REF"',
        '          git worktree add ../baseline FETCH_HEAD',
        '          docker build -t app:baseline ../baseline',
        '          docker build -t app:candidate .',
        '        env:',
        '          BASE_REF: ${{ github.base_ref }}',
      ]
    : [];
  return [
    'name: performance gate',
    'on: pull_request',
    'permissions:',
    '  contents: read',
    '  pull-requests: write   # the sticky comment',
    '  checks: write          # the Check run',
    'jobs:',
    '  perf-gate:',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 20',
    '    steps:',
    '      - uses: actions/checkout@v4',
    ...build,
    '      - uses: your-org/perf-gate@v0     # <- where your organisation takes perf-gate from',
    '        id: gate',
    '        with:',
    '          config: perf-gate.yml',
    '      - uses: actions/upload-artifact@v4',
    '        if: always()',
    '        with:',
    '          name: perf-gate-report',
    '          path: perf-gate-report',
    '',
  ].join('\n');
}

export function starterFiles(p: DetectedProject, probe?: ProbeFindings): StarterFile[] {
  return [
    { path: 'perf-gate.yml', content: starterConfig(p, probe) },
    { path: '.github/workflows/perf-gate.yml', content: starterWorkflow(p) },
  ];
}
