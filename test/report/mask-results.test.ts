/**
 * maskResults masks free text and nothing a program reads. A structured reason repeats the round
 * reasons and scrape problems of what a target left out, so those are masked there too; its codes and
 * numbers stay exact, or results.json would no longer match its schema.
 */
import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/log.js';
import { maskResults } from '../../src/report/mask-results.js';
import { failResults } from '../helpers/results-fixtures.js';

describe('maskResults on structured reasons', () => {
  it('masks the reasons and problems an exclusion carries, and keeps its cause, metric and counts', () => {
    const results = failResults();
    results.targets[0] = {
      ...results.targets[0]!,
      reason: {
        kind: 'no-data',
        relative: true,
        samples: 2,
        needed: 5,
        excluded: [
          { count: 2, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['backend printed hunter2-token'] },
          {
            count: 1,
            cause: 'not-measured',
            variant: 'baseline',
            metric: 'pipeline_time',
            serverMetricsProblems: ['scrape of hunter2-token.internal failed'],
          },
          { count: 1, cause: 'not-positive', variant: 'baseline', metric: 'pipeline_time', value: 0 },
        ],
      },
    };
    const masked = maskResults(results, SecretMasker.of(['hunter2-token']));
    expect(masked.targets[0]!.reason).toEqual({
      kind: 'no-data',
      relative: true,
      samples: 2,
      needed: 5,
      excluded: [
        { count: 2, cause: 'round-invalid', variant: 'candidate', invalidReasons: ['backend printed ***'] },
        {
          count: 1,
          cause: 'not-measured',
          variant: 'baseline',
          metric: 'pipeline_time',
          serverMetricsProblems: ['scrape of ***.internal failed'],
        },
        { count: 1, cause: 'not-positive', variant: 'baseline', metric: 'pipeline_time', value: 0 },
      ],
    });
    expect(JSON.stringify(masked)).not.toContain('hunter2-token');
  });
});
