/** Human units for reports: "12.3 ms", "−24.1 %", "40.0 req/s", with sensible digits. */
import type { MetricUnit } from '../model/round-record.js';

const MINUS = '−';

function significant(value: number, digits = 3): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toString();
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(Math.min(decimals, 6));
}

export function formatValue(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value < 0) return MINUS + formatValue(-value, unit);
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${significant(value / 1000)} s` : value < 1 ? `${significant(value * 1000)} µs` : `${significant(value)} ms`;
    case 'ratio':
      return `${significant(value * 100)} %`;
    case 'req/s':
      return `${significant(value)} req/s`;
    case 'count':
      return significant(value);
    default:
      // A unit outside the enum (a results.json the schema was not run on): show no number rather than a wrong one.
      return '—';
  }
}

/** A relative change (−0.25) as "−25.0 %". */
export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return '—';
  const pct = change * 100;
  const text = Math.abs(pct) >= 100 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1);
  if (text === '0.0') return '0.0 %';
  return `${pct < 0 ? MINUS : '+'}${text} %`;
}

export function formatInterval(ci: [number, number] | null | undefined, format: (v: number) => string): string {
  if (!ci) return '—';
  return `[${format(ci[0])}, ${format(ci[1])}]`;
}
