/** The backend's pure parts: knob parsing, query normalization, and the rerank step. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_RERANK_WORK,
  maskDatabaseUrl,
  parseConfig,
} from '../../examples/backend-rag/lib/config.mjs';
import { normalizeQuery, orTsQuery, queryTerms, questionHash } from '../../examples/backend-rag/lib/query-text.mjs';
import { burnSteps, burnWork, rerank, rerankRows, stepsPerCpuMs } from '../../examples/backend-rag/lib/rerank.mjs';

const url = 'postgres://rag:pw@127.0.0.1:5432/rag';

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    expect(parseConfig({ DATABASE_URL: url })).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: url,
      poolSize: 10,
      earlyExitScore: null,
      rerankWork: DEFAULT_RERANK_WORK,
      slowdown: 0,
      extraWorkMs: 0,
    });
  });

  it('reads the candidate settings', () => {
    const config = parseConfig({
      DATABASE_URL: url,
      DB_POOL_SIZE: '20',
      EARLY_EXIT_SCORE: '0.9',
      SLOWDOWN: '0.05',
      PORT: '9000',
    });
    expect(config).toMatchObject({ poolSize: 20, earlyExitScore: 0.9, slowdown: 0.05, port: 9000 });
  });

  it.each(['', ' ', 'off', 'OFF'])('EARLY_EXIT_SCORE=%j means never', (value) => {
    expect(parseConfig({ DATABASE_URL: url, EARLY_EXIT_SCORE: value }).earlyExitScore).toBeNull();
  });

  it.each([
    ['DB_POOL_SIZE', '-1'],
    ['DB_POOL_SIZE', '1e3'],
    ['EARLY_EXIT_SCORE', 'high'],
    ['SLOWDOWN', 'NaN'],
    ['EXTRA_WORK_MS', '-1'],
    ['EXTRA_WORK_MS', '1001'],
    ['RERANK_WORK', 'lots'],
  ])('%s=%s is a ConfigError naming the variable', (name, value) => {
    expect(() => parseConfig({ DATABASE_URL: url, [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ DATABASE_URL: url, [name]: value })).toThrow(
      `${name}: got ${JSON.stringify(value)}; expected`,
    );
  });

  it('masks the password of a database URL for log lines', () => {
    expect(maskDatabaseUrl('postgres://rag:s3cret@db:5432/rag')).toBe('postgres://rag:***@db:5432/rag');
    expect(maskDatabaseUrl('postgres://rag@db/rag')).toBe('postgres://rag@db/rag');
  });
});

describe('query text', () => {
  it('normalizes case, punctuation and spacing to the stored golden form', () => {
    expect(normalizeQuery('  What IS  mohany, kanyji-feguba?! ')).toBe('what is mohany kanyji feguba');
    expect(questionHash('what is mohany kanyji feguba')).toBe(
      createHash('md5').update('what is mohany kanyji feguba').digest('hex'),
    );
  });

  it('builds an OR query of distinct terms that cannot carry tsquery syntax', () => {
    const terms = queryTerms(normalizeQuery("a & b | !c ':*' a (d)"));
    expect(terms).toEqual(['a', 'b', 'c', 'd']);
    expect(orTsQuery(terms)).toBe('a | b | c | d');
    expect(queryTerms('')).toEqual([]);
  });
});

describe('rerank', () => {
  const candidates = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    title: `title ${i} mohany`,
    body: `body words ${'kanyji '.repeat(i % 5)}feguba ${i}`,
    score: (i % 7) / 7,
  }));

  it('is deterministic and orders by the blended score, ties by id', () => {
    const first = rerank('mohany kanyji', candidates, { work: 4 });
    const second = rerank('mohany kanyji', [...candidates].reverse(), { work: 4 });
    expect(second).toEqual(first);
    expect(first).toHaveLength(20);
    for (let i = 1; i < first.length; i += 1) {
      const [a, b] = [first[i - 1], first[i]];
      expect(a.rerankScore > b.rerankScore || (a.rerankScore === b.rerankScore && a.id < b.id)).toBe(true);
    }
    for (const c of first) {
      expect(c.rerankScore).toBeGreaterThanOrEqual(0);
      expect(c.rerankScore).toBeLessThanOrEqual(1);
    }
  });

  it('depends on the query: a different query changes the model scores', () => {
    const a = rerank('mohany kanyji', candidates, { work: 4 }).map((c) => c.rerankScore);
    const b = rerank('zixone takaka', candidates, { work: 4 }).map((c) => c.rerankScore);
    expect(a).not.toEqual(b);
  });

  it('RERANK_WORK sets the arithmetic per candidate, and more work changes the result', () => {
    expect(rerankRows(20)).toBe(1280);
    expect(rerankRows(0)).toBe(0);
    // The rounds are real computation whose result feeds the score, not a no-op to skip.
    const light = rerank('mohany', candidates, { work: 20 }).map((c) => c.rerankScore);
    const heavy = rerank('mohany', candidates, { work: 21 }).map((c) => c.rerankScore);
    expect(heavy).not.toEqual(light);
  });

  it('burnWork runs mixing rounds until told to stop', () => {
    let calls = 0;
    const result = burnWork(() => ++calls > 3);
    expect(result.rounds).toBe(3);
    expect(Number.isFinite(result.checksum)).toBe(true);
    expect(burnWork(() => true).rounds).toBe(0);
  });
});

describe('EXTRA_WORK_MS work', () => {
  it('burnSteps does the same work for the same count, and more for more', () => {
    expect(burnSteps(20)).toBe(burnSteps(20));
    expect(burnSteps(0)).toBe(0);
    expect(burnSteps(21)).not.toBe(burnSteps(20));
  });

  it('stepsPerCpuMs measures a positive rate whose steps take about that much CPU time', () => {
    const rate = stepsPerCpuMs(50);
    expect(rate).toBeGreaterThan(0);
    const cpu = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const start = cpu();
    burnSteps(Math.round(20 * rate));
    // 20 ms of CPU asked; the rate came from a 50 ms sample on the same process, so within a factor of 2.
    const spent = cpu() - start;
    expect(spent).toBeGreaterThan(10);
    expect(spent).toBeLessThan(40);
  });
});
