/**
 * Numbers as the Prometheus exposition formats write them. Go's strconv.ParseFloat is the reference
 * (it reads sample values, `le` and `quantile` labels): decimal floats with optional exponent, and the
 * words NaN / Inf / Infinity in any case with an optional sign. JavaScript's Number() is too lenient for
 * this ("" is 0, "0x10" is 16, " 1 " is 1), so the token is checked before converting.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parsePrometheusNumber(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const lower = token.toLowerCase();
  const unsigned = lower.startsWith('+') || lower.startsWith('-') ? lower.slice(1) : lower;
  if (unsigned === 'nan') return Number.NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') {
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return undefined;
}

/** Integer milliseconds, as the 0.0.4 format writes timestamps (Go parses them with ParseInt). */
export function parseIntegerToken(token: string): number | undefined {
  return /^[+-]?\d{1,19}$/.test(token) ? Number(token) : undefined;
}
