/**
 * The stored runs of a goal campaign with several starts of the backends (bench/goal-runs.ts --processes),
 * judged again on their own rounds three ways, each once on all the run's pairs at the whole alpha (Holm
 * over the three goal targets), so the rules differ only in how the pairs are combined:
 *   - starts, t: Student t on each start's Hodges–Lehmann estimate (what the runs used);
 *   - starts, HL: the signed-rank interval on the same start estimates;
 *   - pairs, HL: every pair one sample, the start numbers ignored (what one start would be judged by).
 * Run: npx tsx bench/process-blocks-replay.ts [--dir bench/results/goal-duet-processes20]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, metricCatalog } from '../src/config/load.js';
import { parseTarget } from '../src/config/targets.js';
import { evaluateTargets } from '../src/gate/evaluate-targets.js';
import type { RoundRecord } from '../src/model/round-record.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), ['dir']);
const dir = args.get('dir') ?? 'bench/results/goal-duet-processes20';
const packageRoot = resolve(import.meta.dirname, '..');
const TARGETS = ['pipeline_time worsens <= 0%', 'pipeline_time worsens <= 5%', 'latency_p95 worsens <= 10%'];
const CONFIGS = { node: undefined, python: 'examples/backend-rag-python/perf-gate.yml' } as const;

type Rule = 'starts, t' | 'starts, HL' | 'pairs, HL';
const RULES: Rule[] = ['starts, t', 'starts, HL', 'pairs, HL'];
const pct = (k: number, n: number) => (n === 0 ? '–' : `${k}/${n}`);

process.stdout.write(
  `# npx tsx bench/process-blocks-replay.ts --dir ${dir}\n\n| backend | kind | rule | runs | \`worsens <= 0%\` failed | 5 % guard passed | p95 10 % guard passed | median half-width, pipeline_time |\n|---|---|---|---|---|---|---|---|\n`,
);
for (const [backend, path] of Object.entries(CONFIGS)) {
  const runsDir = join(dir, backend, 'runs');
  if (!existsSync(runsDir)) continue;
  const config = loadConfig({ packageRoot, ...(path ? { path: join(packageRoot, path) } : {}) });
  const catalog = metricCatalog(config);
  const targets = TARGETS.map((t, i) => parseTarget(t, catalog, `target ${i}`));
  const runs = readdirSync(runsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ kind: f.includes('-aa') ? 'A/A' : '+5 %', ...JSON.parse(readFileSync(join(runsDir, f), 'utf8')) }))
    .filter((r) => r.verdict !== 'error') as { kind: string; rounds: RoundRecord[] }[];
  for (const kind of ['A/A', '+5 %']) {
    const ofKind = runs.filter((r) => r.kind === kind);
    for (const rule of RULES) {
      let failed = 0;
      let guard = 0;
      let p95 = 0;
      const widths: number[] = [];
      for (const run of ofKind) {
        const rounds = rule === 'pairs, HL' ? run.rounds.map(({ process: _p, ...r }) => r) : run.rounds;
        const evaluation = evaluateTargets(targets, rounds as RoundRecord[], catalog, {
          alpha: 1 - config.gate.confidence,
          acrossStarts: rule === 'starts, HL' ? 'hodges-lehmann' : 't',
        });
        const [catchAny, guard5, guardP95] = evaluation.targets;
        if (catchAny!.status === 'fail') failed++;
        if (guard5!.status === 'pass') guard++;
        if (guardP95!.status === 'pass') p95++;
        if (catchAny!.ci) widths.push((Math.log1p(catchAny!.ci[1]) - Math.log1p(catchAny!.ci[0])) / 2);
      }
      const median = [...widths].sort((a, b) => a - b)[Math.floor(widths.length / 2)];
      process.stdout.write(
        `| ${backend} | ${kind} | ${rule} | ${ofKind.length} | ${pct(failed, ofKind.length)} | ${pct(guard, ofKind.length)} | ${pct(p95, ofKind.length)} | ${median === undefined ? '–' : `±${(100 * median).toFixed(1)} %`} |\n`,
      );
    }
  }
}
