/**
 * Reading an answer of Prometheus's `/api/v1/query_range` (prometheus.io/docs/prometheus/latest/querying/api/,
 * "Range queries"): `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},
 * "values":[[<unix seconds>,"<value>"], ...]}]}}`, or `{"status":"error","errorType":...,"error":...}`.
 * Pure: the HTTP status and the body in, the series out, or an InfrastructureError that names the
 * query and what the store said.
 */
import { InfrastructureError } from '../errors.js';
import { parsePrometheusNumber } from '../metrics/prometheus-number.js';

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [unix seconds, value]; NaN and ±Inf are kept (0/0 in a bucket without traffic is NaN). */
  values: [number, number][];
}

/** The longest part of a body quoted in an error: enough to recognise a proxy's error page. */
const QUOTED_BODY = 200;

export function parseQueryRangeAnswer(answer: {
  statusCode: number;
  body: string;
  query: string;
  url: string;
}): MatrixSeries[] {
  const where = `Prometheus query_range at ${answer.url} for ${answer.query}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    const http = answer.statusCode >= 200 && answer.statusCode <= 299 ? '' : `HTTP ${answer.statusCode}, `;
    throw new InfrastructureError(
      `${where}: ${http}the answer is not JSON: ${JSON.stringify(answer.body.slice(0, QUOTED_BODY))}`,
    );
  }
  const object = (parsed ?? {}) as Record<string, unknown>;
  // Prometheus answers errors with a JSON body and a 4xx/5xx status; read the body first, it says more.
  if (object.status === 'error') {
    throw new InfrastructureError(
      `${where}: HTTP ${answer.statusCode}, ${String(object.errorType ?? 'error')}: ${String(object.error ?? '(no message)')}`,
    );
  }
  if (answer.statusCode < 200 || answer.statusCode > 299)
    throw new InfrastructureError(`${where}: HTTP ${answer.statusCode}`);
  if (object.status !== 'success')
    throw new InfrastructureError(`${where}: status ${JSON.stringify(object.status)}, expected "success"`);
  const data = (object.data ?? {}) as Record<string, unknown>;
  if (data.resultType !== 'matrix')
    throw new InfrastructureError(
      `${where}: result type ${JSON.stringify(data.resultType)}, expected "matrix" (a range query of an instant vector)`,
    );
  if (!Array.isArray(data.result)) throw new InfrastructureError(`${where}: the matrix has no result list`);
  return data.result.map((entry, index) => readSeries(entry, `${where}: series ${index + 1}`));
}

function readSeries(entry: unknown, where: string): MatrixSeries {
  const series = (entry ?? {}) as Record<string, unknown>;
  if (!Array.isArray(series.values)) throw new InfrastructureError(`${where} has no values list`);
  const metric = typeof series.metric === 'object' && series.metric !== null ? series.metric : {};
  const values = series.values.map((pair, i): [number, number] => {
    const [time, text] = Array.isArray(pair) ? pair : [];
    const value = typeof text === 'string' ? parsePrometheusNumber(text) : undefined;
    if (typeof time !== 'number' || !Number.isFinite(time) || value === undefined)
      throw new InfrastructureError(`${where}: sample ${i + 1} is not [seconds, "value"]: ${JSON.stringify(pair)}`);
    return [time, value];
  });
  return { metric: metric as Record<string, string>, values };
}
