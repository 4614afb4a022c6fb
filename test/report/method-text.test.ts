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
    expect(estimateMethodText(['hodges-lehmann'], true)).toContain('judged on the pooled counts');
    expect(estimateMethodText(['hodges-lehmann'])).not.toContain('pooled counts');
  });
});
