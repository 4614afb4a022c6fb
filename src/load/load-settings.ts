/**
 * The load part of the configuration: how each round loads the backend and how rounds are scheduled.
 * The config stage builds this object; `checkLoadSettings` validates it once, naming the key at fault.
 */
import { invalidValue } from '../errors.js';
import { ROUND_DESIGNS, type RoundDesign } from './round-plan.js';
import { LOAD_MODES, type LoadMode } from './run-round.js';

export interface LoadSettings {
  /** 'open' (constant arrival rate, the default) or 'closed' (fixed connections back to back). */
  mode: LoadMode;
  /** Open loop: arrival rate, req/s. */
  rate?: number;
  /** Closed loop: number of connections. */
  connections?: number;
  /** Open loop: most requests in flight at once. Default 1024. */
  maxInFlight?: number;
  /** Length of one measured round, ms. */
  roundDurationMs: number;
  /** Unmeasured warm-up per variant before the first round, ms (0 = none). */
  warmupMs: number;
  /** Number of baseline/candidate pairs. */
  pairs: number;
  design: RoundDesign;
  seed: number;
  /** Per-request timeout, ms. Default 10,000. */
  timeoutMs?: number;
  /** Open loop: largest accepted shortfall of the achieved rate, as a share. Default 0.05. */
  rateTolerance?: number;
}

export function checkLoadSettings(settings: LoadSettings): LoadSettings {
  if (!LOAD_MODES.includes(settings.mode)) throw invalidValue('load.mode', settings.mode, LOAD_MODES.join(', '));
  if (settings.mode === 'open') positive('load.rate', settings.rate);
  if (settings.mode === 'closed' && settings.connections !== undefined)
    wholePositive('load.connections', settings.connections);
  if (settings.maxInFlight !== undefined) wholePositive('load.connections', settings.maxInFlight);
  positive('load.roundDuration', settings.roundDurationMs);
  if (!(Number.isFinite(settings.warmupMs) && settings.warmupMs >= 0)) {
    throw invalidValue('load.warmup', settings.warmupMs, 'a number of milliseconds >= 0');
  }
  wholePositive('load.pairs', settings.pairs);
  if (!ROUND_DESIGNS.includes(settings.design))
    throw invalidValue('load.design', settings.design, ROUND_DESIGNS.join(', '));
  if (!Number.isFinite(settings.seed)) throw invalidValue('load.seed', settings.seed, 'a finite number');
  if (settings.timeoutMs !== undefined) positive('load.timeout', settings.timeoutMs);
  if (settings.rateTolerance !== undefined && !(settings.rateTolerance >= 0 && settings.rateTolerance < 1)) {
    throw invalidValue('load.rateTolerance', settings.rateTolerance, 'a share from 0 to below 1, e.g. 0.05');
  }
  return settings;
}

function positive(key: string, value: number | undefined): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalidValue(key, value, 'a number > 0');
}

function wholePositive(key: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw invalidValue(key, value, 'a whole number > 0');
}
