import { describe, expect, it } from 'vitest';
import { estimateMethodText } from '../../src/report/method-text.js';

describe('estimateMethodText', () => {
  it('names the methods used, or says no target had data', () => {
    expect(estimateMethodText(['hodges-lehmann'])).toMatch(
      /; a Hodges–Lehmann estimate with its distribution-free \(Wilcoxon\) interval\. The "all metrics" table/,
    );
    expect(estimateMethodText(['t', 'bootstrap'])).toMatch(
      /; a Student t interval .* or a seeded bootstrap interval\./,
    );
    expect(estimateMethodText([])).toMatch(/; no interval \(no target had data\)\./);
  });
  it('says when absolute targets on a rate were judged on their pooled counts', () => {
    expect(estimateMethodText(['hodges-lehmann'], { ratesOnCounts: true })).toContain('judged on the pooled counts');
    expect(estimateMethodText(['hodges-lehmann'])).not.toContain('pooled counts');
  });
  it('says when the pairs came from several starts of the backends, and with how many degrees of freedom', () => {
    expect(estimateMethodText(['t'], { processes: 20 })).toContain(
      'The pairs came from 20 starts of the backends: relative targets take the start as the unit, a Student t interval on each start',
    );
    expect(estimateMethodText(['t'], { processes: 20 })).toContain('(19 degrees of freedom)');
    expect(estimateMethodText(['hodges-lehmann'], { processes: 1 })).not.toContain('starts of the backends');
  });
});
