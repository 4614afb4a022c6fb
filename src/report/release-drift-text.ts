/**
 * A release gate's drift since the previous release (results.releaseDrift, src/history/release-drift.ts),
 * in words: one row per target metric with the cumulative change, its interval, the changes it spans and
 * the commits that contributed most. The same rows feed the comment (Markdown) and report.html. Pure.
 * Tags, branches and shas come from the repository, so they go through the caller's escaping.
 */
import { formatChange, formatInterval } from './format.js';
import type { ReleaseDrift } from './results.js';
import { countText, markdownText } from './untrusted-text.js';

export interface ReleaseDriftRow {
  metric: string;
  change: string;
  interval: string;
  changes: string;
  contributors: { sha: string; text: string }[];
}

export function releaseDriftRows(drift: ReleaseDrift): ReleaseDriftRow[] {
  return drift.metrics.map((m) => ({
    metric: m.metric,
    change: formatChange(m.change),
    interval: formatInterval(m.interval, formatChange),
    changes: countText(m.changes),
    contributors: m.contributors.map((c) => ({
      sha: c.sha.slice(0, 7),
      text: `${formatChange(c.change)}${c.share === null ? '' : ` (${Math.round(c.share * 100)} % of it)`}`,
    })),
  }));
}

/** The caption under the rows: `shown` renders the tag and the branch, `code` a config line of perf-gate's own. */
export function releaseDriftCaption(
  drift: ReleaseDrift,
  shown: (text: string) => string,
  code: (text: string) => string,
): string {
  return `Since ${shown(drift.since)} on ${shown(drift.branch)}: the product of the paired changes gated there, with an interval that accumulates theirs (${Math.round(drift.level * 100)} %); the largest contributors first. A drift target in the config (${code('pipeline_time drift since last-release worsens <= 5%')}) makes it a pass or fail.`;
}

export function releaseDriftMarkdown(results: { releaseDrift?: ReleaseDrift }): string | undefined {
  const drift = results.releaseDrift;
  if (!drift) return undefined;
  const heading = `**Drift since the previous release, ${markdownText(drift.since)}**`;
  if (drift.metrics.length === 0) return `${heading}: ${markdownText(drift.note ?? 'nothing recorded')}.`;
  const rows = releaseDriftRows(drift).map(
    (r) =>
      `| ${markdownText(r.metric, { cell: true })} | ${r.change} | ${r.interval} | ${r.changes} | ${r.contributors.map((c) => `${markdownText(c.sha, { cell: true })} ${c.text}`).join(', ') || '—'} |`,
  );
  return [
    heading,
    '',
    '| Metric | Cumulative change | Interval | Changes | Largest contributors |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `<sub>${releaseDriftCaption(
      drift,
      (text) => markdownText(text),
      (text) => `\`${text}\``,
    )}</sub>`,
  ].join('\n');
}
