/**
 * Proposes which CPUs the backends and the load generator should be pinned to, so the client that
 * measures latency does not steal cycles from the server it measures (and vice versa). Baseline and
 * candidate share the backend set: perf-gate benchmarks them one at a time, interleaved, and
 * giving both the same CPUs keeps the comparison fair.
 *
 * Pure: the caller passes `os.cpus().length` (or `os.availableParallelism()`).
 *
 * - 1 CPU: no pinning is possible; both share it and the report should say so.
 * - 2 CPUs: load generator on CPU 0 (with the OS, and PostgreSQL when it runs locally), backends on CPU 1.
 * - n >= 3: the load generator gets the first quarter (at least one CPU), backends the rest.
 *   A local PostgreSQL is not pinned by perf-gate; it competes with the load generator's share.
 */
import { invalidValue } from '../errors.js';

export interface CpuSplit {
  /** `docker run --cpuset-cpus` value for both backends, or undefined when pinning is impossible. */
  backend?: string;
  /** CPU list for the load generator (e.g. for `taskset -c`), or undefined. */
  loadGenerator?: string;
  /** One sentence for the report explaining the choice. */
  note: string;
}

function range(from: number, to: number): string {
  return from === to ? String(from) : `${from}-${to}`;
}

export function proposeCpuSplit(cpuCount: number): CpuSplit {
  if (!Number.isInteger(cpuCount) || cpuCount < 1) throw invalidValue('cpu count', cpuCount, 'a positive integer');
  if (cpuCount === 1) {
    return { note: 'one CPU: backend and load generator share it, so measured latency includes their contention' };
  }
  const loadCount = Math.max(1, Math.floor(cpuCount / 4));
  return {
    loadGenerator: range(0, loadCount - 1),
    backend: range(loadCount, cpuCount - 1),
    note: `${cpuCount} CPUs: load generator on ${range(0, loadCount - 1)}, backends on ${range(loadCount, cpuCount - 1)} (baseline and candidate share them; they are measured one at a time)`,
  };
}
