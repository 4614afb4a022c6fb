import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alternative, TestMethod } from '../../src/stats/alternative.js';
import {
  normalCdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTQuantile,
  studentTSurvival,
} from '../../src/stats/distributions.js';
import { studentTInterval, studentTTest } from '../../src/stats/location-interval.js';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';
import { signTest } from '../../src/stats/sign-test.js';
import { wilcoxonSignedRank } from '../../src/stats/wilcoxon.js';

// Produced by scripts/reference/scipy-stats.py (SciPy's implementations are the independent reference).
const referenceText = readFileSync(new URL('../fixtures/stats/scipy-reference.json', import.meta.url), 'utf8');
if (referenceText.trim() === '')
  throw new Error(
    'test/fixtures/stats/scipy-reference.json is empty; regenerate it with scripts/reference/scipy-stats.py',
  );
const reference = JSON.parse(referenceText);

/**
 * The cases of one section of the reference. An empty or missing section throws, so an emptied or
 * truncated fixture fails the file instead of leaving loops with nothing to compare (and it.each with no test).
 */
function cases(section: string): any[] {
  const rows: unknown = reference?.[section];
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new Error(
      `test/fixtures/stats/scipy-reference.json: section "${section}" has no cases (got ${JSON.stringify(rows)?.slice(0, 40)}); regenerate it with scripts/reference/scipy-stats.py`,
    );
  }
  return rows;
}

/** Absolute agreement to 1e-6 as the brief demands; relative for quantiles with large magnitude. */
function close(actual: number, expected: number, tolerance = 1e-6): void {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected) / scale, `got ${actual}, SciPy ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe('Student t and normal functions agree with SciPy', () => {
  it('t quantiles to 1e-8', () => {
    for (const row of cases('t_quantile')) close(studentTQuantile(row.p, row.df), row.quantile, 1e-8);
    expect(cases('t_quantile').length).toBeGreaterThan(100);
  });
  it('t CDF and survival to 1e-8', () => {
    for (const row of cases('t_cdf')) {
      close(studentTCdf(row.t, row.df), row.cdf, 1e-8);
      close(studentTSurvival(row.t, row.df), row.sf, 1e-8);
    }
  });
  it('normal quantile and CDF to 1e-8', () => {
    for (const row of cases('normal')) {
      if ('quantile' in row) close(normalQuantile(row.p), row.quantile, 1e-8);
      else {
        close(normalCdf(row.z), row.cdf, 1e-8);
        // Tails compared relatively: 1e-16-sized values must still be right to many digits.
        expect(Math.abs(normalSurvival(row.z) - row.sf) / Math.max(row.sf, 1e-300)).toBeLessThan(1e-8);
      }
    }
  });
});

describe('Mann–Whitney U agrees with scipy.stats.mannwhitneyu', () => {
  it.each<[string, any]>(
    cases('mann_whitney').map((r: any): [string, any] => [`${r.name} ${r.alternative} continuity=${r.continuity}`, r]),
  )('%s', (_name, r: any) => {
    const result = mannWhitneyU(r.x, r.y, {
      alternative: r.alternative as Alternative,
      method: r.method as TestMethod | 'auto',
      continuity: r.continuity,
    });
    close(result.statistic, r.statistic);
    close(result.pValue, r.pvalue);
  });
  it('uses the exact distribution for small untied samples and the normal approximation with ties', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6, 7]).method).toBe('exact');
    expect(mannWhitneyU([1, 2, 2], [4, 5, 6, 7]).method).toBe('asymptotic');
    // 3 vs 4 fully separated: exact two-sided p = 2 / C(7,3) = 2/35.
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6, 7]).pValue).toBeCloseTo(2 / 35, 12);
  });
});

describe('Wilcoxon signed-rank agrees with scipy.stats.wilcoxon', () => {
  it.each<[string, any]>(
    cases('wilcoxon').map((r: any): [string, any] => [`${r.name} ${r.alternative} correction=${r.correction}`, r]),
  )('%s', (_name, r: any) => {
    const result = wilcoxonSignedRank(r.d, {
      alternative: r.alternative as Alternative,
      method: r.method as TestMethod,
      continuity: r.correction,
    });
    close(result.statistic, r.statistic);
    close(result.pValue, r.pvalue);
  });
});

describe('Student t intervals and tests agree with SciPy', () => {
  it('confidence intervals of the mean', () => {
    for (const row of cases('t_interval')) {
      const { interval, estimate } = studentTInterval(row.x, row.level);
      close(estimate, row.mean, 1e-12);
      close(interval[0], row.low);
      close(interval[1], row.high);
    }
  });
  it('one-sample t tests', () => {
    for (const row of cases('t_test')) {
      const result = studentTTest(row.x, row.mu0, row.alternative);
      close(result.statistic, row.statistic);
      close(result.pValue, row.pvalue);
    }
  });
});

describe('sign test agrees with scipy.stats.binomtest(k, n, 0.5)', () => {
  it('p-values', () => {
    for (const row of cases('sign_test')) {
      const d = [...Array(row.positive).fill(1), ...Array(row.n - row.positive).fill(-1)];
      close(signTest(d, row.alternative).pValue, row.pvalue);
    }
  });
});
