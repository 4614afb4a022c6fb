/**
 * A large /metrics page shaped like a busy service's (many histogram families with route labels), with
 * one family a perf-gate config would name. Used by the test of parsing only configured families and by
 * bench/metrics-memory.ts.
 */
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** The family the page always has, in the reference backend's naming: `rag_pipeline_duration_seconds{step="total"}`. */
export const CONFIGURED_FAMILY = 'rag_pipeline_duration_seconds';

function histogram(name: string, labels: string, count: number, sum: number): string {
  let out = '';
  BUCKETS.forEach((le, i) => {
    out += `${name}_bucket{${labels},le="${le}"} ${Math.round((count * (i + 1)) / BUCKETS.length)}\n`;
  });
  return `${out}${name}_sum{${labels}} ${sum}\n${name}_count{${labels}} ${count}\n`;
}

/** About `bytes` of 0.0.4 text; `requests` moves the configured family's numbers between scrapes. */
export function largeExposition(bytes: number, requests = 100): string {
  const parts = [
    `# HELP ${CONFIGURED_FAMILY} Pipeline time.\n# TYPE ${CONFIGURED_FAMILY} histogram\n`,
    histogram(CONFIGURED_FAMILY, 'step="total"', requests, requests * 0.02),
  ];
  let size = parts[0]!.length + parts[1]!.length;
  for (let family = 0; size < bytes; family++) {
    const name = `service_http_request_duration_${family}_seconds`;
    let text = `# HELP ${name} Request duration of handler group ${family}.\n# TYPE ${name} histogram\n`;
    for (let route = 0; route < 20; route++) {
      text += histogram(
        name,
        `route="/api/v1/group${family}/resource${route}/{id}",method="GET",status="200"`,
        1000 + route,
        12.5 + route,
      );
    }
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}
