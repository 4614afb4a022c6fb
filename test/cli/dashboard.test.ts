import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MemoryLogger } from '../../src/log.js';

describe('perf-gate dashboard', () => {
  it('prints a Grafana dashboard with a panel per server metric of the config', async () => {
    let stdout = '';
    const code = await main(['dashboard', '--title', 'RAG backend'], {
      stdout: (t) => (stdout += t),
      log: new MemoryLogger(),
    });
    expect(code).toBe(0);
    const dashboard = JSON.parse(stdout) as {
      title: string;
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.title).toBe('RAG backend');
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    // The embedded default's four server metrics, as PromQL over the reference backend's families.
    for (const family of [
      'rag_pipeline_duration_seconds',
      'rag_db_query_duration_seconds',
      'rag_early_exit_total',
      'rag_db_pool_wait_seconds',
    ]) {
      expect(exprs.some((e) => e.includes(family))).toBe(true);
    }
  });
});
