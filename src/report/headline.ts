/**
 * The verdict in one line: the first line of the comment, the Check's title, the terminal's first
 * line and results.json's `headline`. perf-gate's own words, counts and a checked stage name only.
 */
import type { Results, TargetResult } from './results.js';
import { stageText } from './untrusted-text.js';

export function headline(results: Pick<Results, 'verdict' | 'targets' | 'error' | 'mode'>): string {
  const total = results.targets.length;
  const count = (status: TargetResult['status']) => results.targets.filter((t) => t.status === status).length;
  if (results.mode === 'aa' && results.verdict !== 'error') {
    const alarms = count('fail');
    return alarms > 0
      ? `❌ perf-gate A/A check: ${alarms} false alarm${alarms === 1 ? '' : 's'} in ${total} metric${total === 1 ? '' : 's'} with the candidate against itself`
      : `🔬 perf-gate A/A check: no false alarm in ${total} metric${total === 1 ? '' : 's'}; "Detectable" is this runner's noise floor`;
  }
  const targetsWord = (n: number) => `${n} target${n === 1 ? '' : 's'}`;
  switch (results.verdict) {
    case 'pass':
      return `✅ perf-gate: all ${targetsWord(total)} met`;
    case 'fail':
      return `❌ perf-gate: ${count('fail')} of ${targetsWord(total)} missed`;
    case 'inconclusive': {
      if (total === 0) return '⚠️ perf-gate inconclusive: no target could be evaluated';
      const undecided = count('inconclusive') + count('no-data');
      return `⚠️ perf-gate inconclusive: ${undecided} of ${targetsWord(total)} could not be decided with this much data`;
    }
    case 'error':
      return `💥 perf-gate could not finish: ${stageText(results.error?.stage) ?? 'a stage'} failed`;
  }
}
