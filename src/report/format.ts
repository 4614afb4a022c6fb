/** Human units for reports: "12.3 ms", "−24.1 %", "40.0 req/s", with sensible digits. */
import type { MetricUnit } from '../model/round-record.js';

const MINUS = '−';

/**
 * A figure printed with more than six digits in a row is shown as '—'. perf-gate never measures one
 * (a million seconds, a million percent), results.json may come from a fork's code, and GitHub reads
 * seven or more digits in a comment as a commit SHA and links them.
 */
function bounded(text: string): string {
  return /\d{7}/.test(text) ? '—' : text;
}

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
      return bounded(
        value >= 1000
          ? `${significant(value / 1000)} s`
          : value < 1
            ? `${significant(value * 1000)} µs`
            : `${significant(value)} ms`,
      );
    case 'ratio':
      return bounded(`${significant(value * 100)} %`);
    case 'req/s':
      return bounded(`${significant(value)} req/s`);
    case 'count':
      return bounded(significant(value));
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
  return bounded(`${pct < 0 ? MINUS : '+'}${text} %`);
}

/** A share (0.031) as "3.1 %", always one decimal. */
export function formatShare(share: number): string {
  return bounded(`${(share * 100).toFixed(1)} %`);
}

export function formatInterval(ci: [number, number] | null | undefined, format: (v: number) => string): string {
  if (!ci) return '—';
  return `[${format(ci[0])}, ${format(ci[1])}]`;
}
