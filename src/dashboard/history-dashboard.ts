/**
 * A Grafana dashboard over the PostgreSQL history store (src/history/postgres-store.ts), with Grafana's
 * PostgreSQL data source: for a repository, branch and metric picked at the top, the candidate's value of
 * every recorded run, the paired change each gate measured with its interval, and the runs themselves.
 * Pure: the JSON out; Grafana connects to the store with its own data source settings.
 *
 * Variables reach the SQL only through Grafana's `sqlstring` format, which quotes and escapes the value
 * (grafana.com/docs/grafana/latest/dashboards/variables/variable-syntax/#sqlstring).
 */
import { HISTORY_SCHEMA } from '../history/postgres-store.js';
import { dashboardUid, SCHEMA_VERSION } from './grafana.js';

const DATASOURCE = { type: 'grafana-postgresql-datasource', uid: '${datasource}' } as const;
const RUNS = `${HISTORY_SCHEMA}.runs`;
const METRICS = `${HISTORY_SCHEMA}.metrics`;

/** The runs and metric rows the variables select, in the time range shown. */
const SELECTED = `FROM ${METRICS} m JOIN ${RUNS} r ON r.id = m.run
WHERE $__timeFilter(r.finished_at)
  AND r.repository = \${repository:sqlstring} AND r.branch = \${branch:sqlstring}
  AND m.name = \${metric:sqlstring} AND r.mode = 'gate'`;

/** The SQL of each panel, exported so tests can run it against a real store. */
export const HISTORY_PANEL_SQL = {
  value: `SELECT r.finished_at AS "time", m.candidate AS "value"\n${SELECTED}\nORDER BY 1`,
  change: `SELECT r.finished_at AS "time", 100 * m.estimate AS "change", 100 * m.lower_bound AS "lower", 100 * m.upper_bound AS "upper"\n${SELECTED}\nORDER BY 1`,
  runs: `SELECT r.finished_at AS "time", left(r.sha, 12) AS "commit", r.verdict, 100 * m.estimate AS "change %", m.candidate AS "value", m.pairs, r.run_url AS "run"\n${SELECTED}\nORDER BY 1 DESC\nLIMIT 200`,
} as const;

const VARIABLE_SQL = {
  repository: `SELECT DISTINCT repository FROM ${RUNS} ORDER BY 1`,
  branch: `SELECT DISTINCT branch FROM ${RUNS} WHERE repository = \${repository:sqlstring} ORDER BY 1`,
  metric: `SELECT DISTINCT m.name FROM ${METRICS} m JOIN ${RUNS} r ON r.id = m.run WHERE r.repository = \${repository:sqlstring} ORDER BY 1`,
} as const;

function sqlTarget(sql: string, format: 'time_series' | 'table') {
  return { refId: 'A', datasource: DATASOURCE, editorMode: 'code', format, rawQuery: true, rawSql: sql };
}

export function historyDashboard(options: { title?: string } = {}): Record<string, unknown> {
  const title = options.title ?? 'perf-gate history';
  const variable = (name: keyof typeof VARIABLE_SQL, label: string) => ({
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    query: VARIABLE_SQL[name],
    definition: VARIABLE_SQL[name],
    refresh: 1,
    current: {},
    options: [],
    hide: 0,
  });
  return {
    title,
    uid: dashboardUid(title),
    description:
      "perf-gate's run history from its PostgreSQL store: each recorded run's value of a metric, the paired change each gate measured, and the runs.",
    tags: ['perf-gate'],
    timezone: 'browser',
    editable: true,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: 'now-90d', to: 'now' },
    templating: {
      list: [
        {
          type: 'datasource',
          name: 'datasource',
          label: 'perf-gate history (PostgreSQL)',
          query: 'grafana-postgresql-datasource',
          current: {},
          options: [],
          hide: 0,
          refresh: 1,
          regex: '',
        },
        variable('repository', 'Repository'),
        variable('branch', 'Branch'),
        variable('metric', 'Metric'),
      ],
    },
    panels: [
      {
        id: 1,
        type: 'timeseries',
        title: '$metric on $branch: the candidate in each recorded run',
        description: "The candidate's median of each recorded gate run (absolute values compare only on like runners).",
        datasource: DATASOURCE,
        gridPos: { h: 9, w: 12, x: 0, y: 0 },
        fieldConfig: { defaults: { custom: { drawStyle: 'line', showPoints: 'always', lineWidth: 1 } }, overrides: [] },
        targets: [sqlTarget(HISTORY_PANEL_SQL.value, 'time_series')],
      },
      {
        id: 2,
        type: 'timeseries',
        title: '$metric on $branch: the change each gate measured (%)',
        description:
          'The paired change of each recorded run against its baseline, with its interval: the links of the drift chain.',
        datasource: DATASOURCE,
        gridPos: { h: 9, w: 12, x: 12, y: 0 },
        fieldConfig: {
          defaults: { unit: 'percent', custom: { drawStyle: 'points', showPoints: 'always' } },
          overrides: [],
        },
        targets: [sqlTarget(HISTORY_PANEL_SQL.change, 'time_series')],
      },
      {
        id: 3,
        type: 'table',
        title: 'Recorded runs of $metric on $branch',
        datasource: DATASOURCE,
        gridPos: { h: 10, w: 24, x: 0, y: 9 },
        targets: [sqlTarget(HISTORY_PANEL_SQL.runs, 'table')],
      },
    ],
  };
}
