/**
 * The words and cells every report (markdown, terminal, HTML) shares for the per-variant figures and for
 * what A/A mode judged. Pure; the callers escape the text for their medium.
 */
import type { MetricUnit } from '../model/round-record.js';
import { formatValue } from './format.js';
import type { MetricSummary, Results, TargetResult, VariantFigures } from './results.js';

/** Marks a figure implied by the paired change rather than measured. */
export const IMPLIED_MARK = '≈';

/** One sentence under a table whose figures include an implied one. */
export const IMPLIED_NOTE =
  `${IMPLIED_MARK}: implied by the paired change, so baseline, candidate and change agree: candidate = baseline × (1 + change), ` +
  'the baseline being the geometric mean of the paired baseline rounds; for an absolute target the candidate is its estimate and the baseline is candidate ÷ (1 + change).';

/** One sentence under a targets table that shows a "Detectable" figure (src/stats/detectable.ts). */
export const DETECTABLE_NOTE =
  'Detectable: how far from its bound the true change must lie for a run like this one (same pairs, interval method and level) to decide the target four times in five.';

/** Whether any target shows a "Detectable" figure (then the table gets DETECTABLE_NOTE). */
export function anyDetectable(targets: readonly TargetResult[]): boolean {
  return targets.some(
    (t) => typeof t.minimumDetectableEffect === 'number' && Number.isFinite(t.minimumDetectableEffect),
  );
}

/** The metric row's figures; a results.json from before `figures` has only the medians of each variant. */
export function shownMetricFigures(m: MetricSummary | undefined): VariantFigures {
  if (m?.figures) return m.figures;
  return { baseline: m?.baseline ?? null, candidate: m?.candidate ?? null, implied: null };
}

/** A target row's figures: its own, else (an older results.json) its metric's. */
export function shownTargetFigures(t: TargetResult, metrics: readonly MetricSummary[]): VariantFigures {
  return t.figures ?? shownMetricFigures(metrics.find((m) => m.name === t.metric));
}

/** "12.3 ms", or "≈ 12.3 ms" for the figure the change implies. */
export function figureText(figures: VariantFigures, variant: 'baseline' | 'candidate', unit: MetricUnit): string {
  const text = formatValue(figures[variant], unit);
  return figures.implied === variant && text !== '—' ? `${IMPLIED_MARK} ${text}` : text;
}

/** Whether any row of the list shows an implied figure (then the table gets IMPLIED_NOTE). */
export function anyImplied(rows: readonly VariantFigures[]): boolean {
  return rows.some((f) => f.implied !== null);
}

/**
 * A/A mode, in one sentence: which configured targets each zero-tolerance guard was judged in place of.
 * `quote` renders an expression for the medium (a code span in markdown). Undefined outside A/A mode.
 */
export function aaRewriteText(
  results: Pick<Results, 'mode' | 'targets'>,
  quote: (text: string) => string,
): string | undefined {
  if (results.mode !== 'aa') return undefined;
  const rewritten = results.targets.filter((t) => t.replaces && t.replaces.length > 0);
  if (rewritten.length === 0) return undefined;
  const pairs = rewritten.map((t) => `${t.replaces!.map(quote).join(', ')} → ${quote(t.expression)}`);
  return `A/A check: each metric is judged with a zero-tolerance guard in place of the configured targets on it: ${pairs.join('; ')}.`;
}
