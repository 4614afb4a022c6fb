/**
 * `{port}` in a backend's command or environment values stands for the port perf-gate gives that
 * variant. Baseline and candidate run at the same time, so a port written into the config would be
 * taken by whichever starts first; servers that read their port from a flag (uvicorn, gunicorn,
 * hypercorn, `manage.py runserver`) get it here, servers that read an environment variable get it
 * through `portEnv`. Distinct from `${NAME}`, which is filled once, from the environment, when the
 * config loads.
 */
export const PORT_PLACEHOLDER = '{port}';

export function fillPort(text: string, port: number): string {
  return text.split(PORT_PLACEHOLDER).join(String(port));
}

export function fillPortInList(items: readonly string[], port: number): string[] {
  return items.map((item) => fillPort(item, port));
}

export function fillPortInEnv(env: Readonly<Record<string, string>>, port: number): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, fillPort(value, port)]));
}
