/**
 * Inline SVG charts for the HTML report, drawn by pure functions: data in, markup out. The report
 * must open offline from an artifact, so there is no charting library, no script and no web font.
 * Every chart carries <title> and <desc> referenced by aria-labelledby (WAI-ARIA "img" role pattern
 * for SVG, w3.org/TR/svg-aam-1.0), and variants differ by marker shape and dash as well as colour so
 * they stay apart for readers who do not see the colours.
 */
import { visibleText } from './untrusted-text.js';

/**
 * Escapes text for HTML and SVG content and attribute values (both quotes included). Hidden
 * characters (controls, bidi overrides, zero-width) are dropped first: a results.json may come from
 * a pull request's code, and they would reorder or hide what the reader sees.
 */
export function escapeMarkup(text: string): string {
  return visibleText(String(text))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** About `count` evenly spaced round numbers (steps of 1, 2 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks: number[] = [];
  // toPrecision strips the 0.30000000000000004 that repeated float steps produce.
  for (let k = first; k <= last; k += 1) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

const WIDTH = 560;
const MARGIN = { top: 20, right: 16, bottom: 44, left: 72 };
const LEGEND_ROW = 18;

interface Frame {
  id: string;
  title: string;
  desc: string;
  height: number;
}

function open(frame: Frame): string {
  const t = `${frame.id}-title`;
  const d = `${frame.id}-desc`;
  return (
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${frame.height}" role="img" aria-labelledby="${escapeMarkup(t)} ${escapeMarkup(d)}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${escapeMarkup(t)}">${escapeMarkup(frame.title)}</title><desc id="${escapeMarkup(d)}">${escapeMarkup(frame.desc)}</desc>`
  );
}

function num(value: number): string {
  return Number(value.toFixed(2)).toString();
}

/** Marker shape per series index: a circle for the baseline, a square for the candidate, then a diamond. */
function marker(series: number, x: number, y: number, hollow: boolean): string {
  const cls = `mark s${series}${hollow ? ' hollow' : ''}`;
  if (series === 0) return `<circle class="${cls}" cx="${num(x)}" cy="${num(y)}" r="4.5"/>`;
  if (series === 1) return `<rect class="${cls}" x="${num(x - 4)}" y="${num(y - 4)}" width="8" height="8"/>`;
  return `<path class="${cls}" d="M${num(x)} ${num(y - 5.5)}L${num(x + 5.5)} ${num(y)}L${num(x)} ${num(y + 5.5)}L${num(x - 5.5)} ${num(y)}Z"/>`;
}

function yAxis(
  ticks: number[],
  scale: (v: number) => number,
  format: (v: number) => string,
  plotRight: number,
): string {
  return ticks
    .map((t) => {
      const y = num(scale(t));
      return `<line class="grid" x1="${MARGIN.left}" x2="${plotRight}" y1="${y}" y2="${y}"/><text class="tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeMarkup(format(t))}</text>`;
    })
    .join('');
}

interface LegendItem {
  label: string;
  /** A series index (its marker), or a reference-line class. */
  series?: number;
  hollow?: boolean;
  line?: 'threshold' | 'neutral';
  band?: boolean;
  /** A bar swatch of this series index. */
  bar?: number;
}

/** Legend items laid out left to right, wrapping to a new row when the chart is too narrow. */
function legendLayout(labels: string[]): { x: number; row: number }[] {
  let x = MARGIN.left;
  let row = 0;
  return labels.map((label) => {
    // Text width is unknown without a font engine; 6.5 px per character fits a sans-serif at 12 px.
    const width = 24 + label.length * 6.5 + 18;
    if (x > MARGIN.left && x + width > WIDTH) {
      row += 1;
      x = MARGIN.left;
    }
    const at = { x, row };
    x += width;
    return at;
  });
}

function legendRows(labels: string[]): number {
  return (legendLayout(labels).at(-1)?.row ?? 0) + 1;
}

function legend(items: LegendItem[], top: number): string {
  const layout = legendLayout(items.map((i) => i.label));
  const parts = items.map((item, k) => {
    const { x, row } = layout[k]!;
    const y = top + row * LEGEND_ROW;
    let swatch: string;
    if (item.series !== undefined) swatch = marker(item.series, x + 8, y, item.hollow ?? false);
    else if (item.band) swatch = `<rect class="band" x="${x}" y="${y - 6}" width="16" height="12"/>`;
    else if (item.bar !== undefined)
      swatch = `<rect class="bar s${item.bar}" x="${x}" y="${y - 6}" width="14" height="12"/>`;
    else swatch = `<line class="ref ${item.line ?? 'neutral'}" x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}"/>`;
    return `${swatch}<text class="legend" x="${x + 24}" y="${y}" dominant-baseline="middle">${escapeMarkup(item.label)}</text>`;
  });
  return `<g class="legend-row">${parts.join('')}</g>`;
}

export interface BarChartSpec {
  id: string;
  title: string;
  desc: string;
  /** Groups along the x axis, e.g. p50, p95, p99. */
  categories: string[];
  /** One bar per series in each group; values[i] belongs to categories[i]. */
  series: { name: string; values: (number | null)[] }[];
  formatValue: (value: number) => string;
  /** Axis tick labels; defaults to formatValue. */
  tickFormat?: (value: number) => string;
  yLabel: string;
}

/** Grouped vertical bars from zero, each labelled with its value, so the chart reads without hovering. */
export function groupedBarChart(spec: BarChartSpec): string {
  const legendItems: LegendItem[] = spec.series.map((s, i) => ({ label: s.name, bar: i }));
  const plotBottom = MARGIN.top + 220;
  const height = plotBottom + MARGIN.bottom + legendRows(legendItems.map((i) => i.label)) * LEGEND_ROW;
  const plotRight = WIDTH - MARGIN.right;
  const values = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const ticks = niceTicks(0, Math.max(0, ...values), 5);
  const top = ticks[ticks.length - 1]!;
  const bottom = Math.min(0, ticks[0]!);
  const scale = (v: number) => plotBottom - ((v - bottom) / (top - bottom)) * (plotBottom - MARGIN.top);
  const groupWidth = (plotRight - MARGIN.left) / Math.max(1, spec.categories.length);
  const barWidth = Math.min(56, (groupWidth * 0.7) / Math.max(1, spec.series.length));
  const parts: string[] = [
    open({ id: spec.id, title: spec.title, desc: spec.desc, height }),
    yAxis(ticks, scale, spec.tickFormat ?? spec.formatValue, plotRight),
  ];
  spec.categories.forEach((category, c) => {
    const groupLeft = MARGIN.left + c * groupWidth + (groupWidth - barWidth * spec.series.length) / 2;
    spec.series.forEach((s, i) => {
      const v = s.values[c];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = groupLeft + i * barWidth;
      const y = scale(Math.max(v, 0));
      const h = Math.abs(scale(v) - scale(0));
      parts.push(
        `<rect class="bar s${i}" x="${num(x + 2)}" y="${num(y)}" width="${num(barWidth - 4)}" height="${num(h)}"><title>${escapeMarkup(`${s.name}, ${category}: ${spec.formatValue(v)}`)}</title></rect>`,
        `<text class="value" x="${num(x + barWidth / 2)}" y="${num(y - 5)}" text-anchor="middle">${escapeMarkup(spec.formatValue(v))}</text>`,
      );
    });
    parts.push(
      `<text class="tick" x="${num(MARGIN.left + (c + 0.5) * groupWidth)}" y="${plotBottom + 18}" text-anchor="middle">${escapeMarkup(category)}</text>`,
    );
  });
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${plotRight}" y1="${num(scale(0))}" y2="${num(scale(0))}"/>`);
  parts.push(
    `<text class="axis-label" transform="translate(14 ${num((MARGIN.top + plotBottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeMarkup(spec.yLabel)}</text>`,
  );
  parts.push(legend(legendItems, plotBottom + MARGIN.bottom + 10));
  parts.push('</svg>');
  return parts.join('');
}

export interface LinePoint {
  x: number;
  y: number;
  /** Drawn as a hollow marker and not joined to the line: an invalid round, shown but not used. */
  hollow?: boolean;
}

export interface LineChartSpec {
  id: string;
  title: string;
  desc: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: LinePoint[] }[];
  /** Horizontal lines: the target's bound ('threshold') or "no change" ('neutral'). */
  references?: { value: number; label: string; kind: 'threshold' | 'neutral' }[];
  /** A shaded horizontal band, e.g. the confidence interval of the paired estimate. */
  band?: { from: number; to: number; label: string };
  formatValue: (value: number) => string;
  /** Axis tick labels; defaults to formatValue. */
  tickFormat?: (value: number) => string;
  /** Label for a hollow marker in the legend, when any point is hollow. */
  hollowLabel?: string;
}

/** Points per x (a round pair), joined per series, with reference lines; the y range hugs the data. */
export function lineChart(spec: LineChartSpec): string {
  const references = spec.references ?? [];
  const items: LegendItem[] = spec.series.map((s, i) => ({ label: s.name, series: i }));
  if (spec.hollowLabel && spec.series.some((s) => s.points.some((p) => p.hollow)))
    items.push({ label: spec.hollowLabel, series: 0, hollow: true });
  for (const ref of references) items.push({ label: `${ref.label} (${spec.formatValue(ref.value)})`, line: ref.kind });
  if (spec.band) items.push({ label: spec.band.label, band: true });
  const plotBottom = MARGIN.top + 220;
  const height = plotBottom + MARGIN.bottom + legendRows(items.map((i) => i.label)) * LEGEND_ROW;
  const plotRight = WIDTH - MARGIN.right;
  const ys = [
    ...spec.series.flatMap((s) => s.points.map((p) => p.y)),
    ...references.map((r) => r.value),
    ...(spec.band ? [spec.band.from, spec.band.to] : []),
  ].filter((v) => Number.isFinite(v));
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => Number.isFinite(v));
  const ticks = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const low = ticks[0]!;
  const high = ticks[ticks.length - 1]!;
  const scaleY = (v: number) => plotBottom - ((v - low) / (high - low || 1)) * (plotBottom - MARGIN.top);
  const minX = xs.length ? Math.min(...xs) : 0;
  const maxX = xs.length ? Math.max(...xs) : 1;
  const inset = 18;
  const scaleX = (v: number) =>
    maxX === minX
      ? (MARGIN.left + plotRight) / 2
      : MARGIN.left + inset + ((v - minX) / (maxX - minX)) * (plotRight - MARGIN.left - 2 * inset);

  const parts: string[] = [
    open({ id: spec.id, title: spec.title, desc: spec.desc, height }),
    yAxis(ticks, scaleY, spec.tickFormat ?? spec.formatValue, plotRight),
  ];
  if (spec.band) {
    const y1 = scaleY(Math.max(spec.band.from, spec.band.to));
    const y2 = scaleY(Math.min(spec.band.from, spec.band.to));
    parts.push(
      `<rect class="band" x="${MARGIN.left}" y="${num(y1)}" width="${plotRight - MARGIN.left}" height="${num(Math.max(1, y2 - y1))}"/>`,
    );
  }
  for (const ref of references) {
    const y = num(scaleY(ref.value));
    parts.push(
      `<line class="ref ${ref.kind}" x1="${MARGIN.left}" x2="${plotRight}" y1="${y}" y2="${y}"><title>${escapeMarkup(`${ref.label}: ${spec.formatValue(ref.value)}`)}</title></line>`,
    );
  }
  // X ticks: every integer x, thinned so labels never collide.
  const xTickStep = Math.max(1, Math.ceil((maxX - minX + 1) / 20));
  for (let x = minX; x <= maxX && xs.length; x += xTickStep) {
    parts.push(
      `<text class="tick" x="${num(scaleX(x))}" y="${plotBottom + 18}" text-anchor="middle">${escapeMarkup(String(x))}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const joined = s.points.filter((p) => !p.hollow).sort((a, b) => a.x - b.x);
    if (joined.length > 1)
      parts.push(
        `<polyline class="line s${i}" points="${joined.map((p) => `${num(scaleX(p.x))},${num(scaleY(p.y))}`).join(' ')}"/>`,
      );
    for (const p of s.points) {
      parts.push(
        `<g>${marker(i, scaleX(p.x), scaleY(p.y), p.hollow ?? false)}<title>${escapeMarkup(`${s.name}, ${spec.xLabel.toLowerCase()} ${p.x}: ${spec.formatValue(p.y)}${p.hollow ? ' (invalid, not used)' : ''}`)}</title></g>`,
      );
    }
  });
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}"/>`);
  parts.push(axisLabels(spec.xLabel, plotBottom + 34, spec.yLabel, plotBottom, plotRight));

  parts.push(legend(items, plotBottom + MARGIN.bottom + 10));
  parts.push('</svg>');
  return parts.join('');
}

/** The x-axis label centred under the plot at `xLabelY`, the y-axis label turned along the plot's height. */
function axisLabels(xLabel: string, xLabelY: number, yLabel: string, plotBottom: number, plotRight: number): string {
  return (
    `<text class="axis-label" x="${num((MARGIN.left + plotRight) / 2)}" y="${xLabelY}" text-anchor="middle">${escapeMarkup(xLabel)}</text>` +
    `<text class="axis-label" transform="translate(14 ${num((MARGIN.top + plotBottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeMarkup(yLabel)}</text>`
  );
}

export interface TimelineSpec {
  id: string;
  title: string;
  desc: string;
  /** Latency series over time: x in seconds since the traffic started, y in ms. */
  series: { name: string; points: { x: number; y: number }[] }[];
  /** A shaded span of time (the migration), seconds. */
  span: { from: number; to: number; label: string };
  /** Bars in a lane under the plot (lock waits), seconds, each with its hover text. */
  bars: { from: number; to: number; text: string }[];
  barsLabel: string;
  formatValue: (value: number) => string;
}

/**
 * Latency over time with a span shaded (the migration) and a lane of bars beneath (the lock waits
 * it caused), on one time axis: what a migration did to live traffic, in one picture.
 */
export function timelineChart(spec: TimelineSpec): string {
  const items: LegendItem[] = spec.series.map((s, i) => ({ label: s.name, series: i }));
  items.push({ label: spec.span.label, band: true });
  if (spec.bars.length > 0) items.push({ label: spec.barsLabel, bar: 1 });
  const plotBottom = MARGIN.top + 200;
  const laneTop = plotBottom + 8;
  const laneRows = Math.min(6, spec.bars.length);
  const laneHeight = laneRows * 7;
  const axisY = laneTop + laneHeight + 4;
  const height = axisY + MARGIN.bottom + legendRows(items.map((i) => i.label)) * LEGEND_ROW;
  const plotRight = WIDTH - MARGIN.right;
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const ticks = niceTicks(0, Math.max(1, ...ys), 5);
  const high = ticks[ticks.length - 1]!;
  const scaleY = (v: number) => plotBottom - (v / (high || 1)) * (plotBottom - MARGIN.top);
  const xs = [
    ...spec.series.flatMap((s) => s.points.map((p) => p.x)),
    spec.span.from,
    spec.span.to,
    ...spec.bars.flatMap((b) => [b.from, b.to]),
  ].filter(Number.isFinite);
  const xTicks = niceTicks(0, Math.max(1, ...xs), 8);
  const maxX = xTicks[xTicks.length - 1]!;
  const scaleX = (v: number) => MARGIN.left + (Math.max(0, v) / (maxX || 1)) * (plotRight - MARGIN.left);

  const parts: string[] = [
    open({ id: spec.id, title: spec.title, desc: spec.desc, height }),
    yAxis(ticks, scaleY, spec.formatValue, plotRight),
  ];
  const spanX = scaleX(spec.span.from);
  parts.push(
    `<rect class="band" x="${num(spanX)}" y="${MARGIN.top}" width="${num(Math.max(1, scaleX(spec.span.to) - spanX))}" height="${num(axisY - MARGIN.top)}"><title>${escapeMarkup(`${spec.span.label}: ${num(spec.span.from)} s to ${num(spec.span.to)} s`)}</title></rect>`,
  );
  spec.series.forEach((s, i) => {
    const points = [...s.points].filter((p) => Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (points.length > 1)
      parts.push(
        `<polyline class="line s${i}" points="${points.map((p) => `${num(scaleX(p.x))},${num(scaleY(p.y))}`).join(' ')}"/>`,
      );
    for (const p of points)
      parts.push(
        `<g>${marker(i, scaleX(p.x), scaleY(p.y), false)}<title>${escapeMarkup(`${s.name} at ${num(p.x)} s: ${spec.formatValue(p.y)}`)}</title></g>`,
      );
  });
  spec.bars.forEach((bar, k) => {
    const x = scaleX(bar.from);
    const y = laneTop + (k % Math.max(1, laneRows)) * 7;
    parts.push(
      `<rect class="bar s1" x="${num(x)}" y="${num(y)}" width="${num(Math.max(2, scaleX(bar.to) - x))}" height="5"><title>${escapeMarkup(bar.text)}</title></rect>`,
    );
  });
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${plotRight}" y1="${axisY}" y2="${axisY}"/>`);
  for (const t of xTicks)
    parts.push(
      `<text class="tick" x="${num(scaleX(t))}" y="${axisY + 16}" text-anchor="middle">${escapeMarkup(String(t))}</text>`,
    );
  parts.push(axisLabels('seconds since the rehearsal traffic started', axisY + 32, 'latency', plotBottom, plotRight));
  parts.push(legend(items, axisY + MARGIN.bottom));
  parts.push('</svg>');
  return parts.join('');
}
