/**
 * What a release gate's report says about the release as a whole: for each target metric, the
 * cumulative change of the base branch since the previous release (the product of the gates' paired
 * ratios recorded on it, with an interval that accumulates their uncertainty: metricDrift) and the
 * commits that contributed most. It is shown whether or not the config has a drift target; a drift
 * target is what makes it a pass or fail. Pure: records in, a summary out.
 */
import type { ReleaseDrift, Results } from '../report/results.js';
import { metricDrift } from './analysis.js';
import type { HistoryRecord } from './record.js';

/**
 * The gate runs recorded on `branch` after the run of commit `sha` (its own record measured it against its
 * parent, so it is not one of them). Undefined when no run of `sha` is recorded there.
 */
export function recordsSince(
  records: readonly HistoryRecord[],
  branch: string,
  sha: string,
): HistoryRecord[] | undefined {
  const onBranch = records.filter((r) => r.branch === branch && r.mode === 'gate');
  const at = onBranch.findLastIndex((r) => r.sha.startsWith(sha) || sha.startsWith(r.sha));
  return at === -1 ? undefined : onBranch.slice(at + 1);
}

export function releaseDrift(
  records: readonly HistoryRecord[],
  results: Pick<Results, 'targets' | 'metrics'>,
  options: { branch: string; release: { tag: string; sha: string }; level: number; top?: number },
): ReleaseDrift {
  const { branch, release, level } = options;
  const base = { since: release.tag, sha: release.sha, branch, level };
  const since = recordsSince(records, branch, release.sha);
  if (!since)
    return {
      ...base,
      metrics: [],
      note: `no run of ${release.tag} (${release.sha.slice(0, 12)}) is recorded on ${branch}, so there is nothing to count the drift from`,
    };
  const names = [...new Set(results.targets.filter((t) => t.kind !== 'absolute').map((t) => t.metric))];
  const metrics = names.flatMap((name) => {
    const drift = metricDrift(since, name, { level, top: options.top ?? 3 });
    if (drift.changes === 0) return [];
    const unit = results.metrics.find((m) => m.name === name)?.unit ?? 'count';
    return [
      {
        metric: name,
        unit,
        changes: drift.changes,
        change: drift.change,
        interval: [drift.lower, drift.upper] as [number, number],
        contributors: drift.contributors.map((c) => ({ sha: c.sha, change: c.change, share: c.share })),
      },
    ];
  });
  return metrics.length > 0
    ? { ...base, metrics }
    : {
        ...base,
        metrics,
        note: `no change of ${names.join(', ') || 'a relative target metric'} with a closed interval is recorded on ${branch} since ${release.tag}`,
      };
}
