/**
 * Watches the load generator itself during a round. An open-loop generator that cannot keep its schedule
 * (event loop stalled by GC or by too much work, a CPU core at 100 %) produces latencies that belong to the
 * generator, not to the server: such a round is flagged 'generator-saturated' with the figures, so nobody
 * mistakes our bottleneck for the backend's.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface GeneratorFigures {
  /** 99th percentile of event-loop delay during the round, ms. */
  eventLoopDelayP99Ms: number;
  /** CPU time (user + system) of this process divided by wall time: 1.0 = one core fully busy. */
  cpuShare: number;
}

export interface GeneratorWatch {
  stop(): GeneratorFigures;
}

export function watchGenerator(): GeneratorWatch {
  // 10 ms resolution is the Node default; finer sampling would itself cost event-loop time.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  return {
    stop() {
      delay.disable();
      const cpu = process.cpuUsage(cpuStart);
      const wallMs = Math.max(1, performance.now() - wallStart);
      // The histogram is in nanoseconds and includes the sampling resolution itself, which is subtracted
      // so an idle loop reads ~0 rather than ~10 ms.
      const p99Ms = delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e6 - 10) : 0;
      return {
        eventLoopDelayP99Ms: round3(p99Ms),
        cpuShare: round3((cpu.user + cpu.system) / 1000 / wallMs),
      };
    },
  };
}

export interface SaturationThresholds {
  /** Event-loop delay p99 above which the generator is saturated, ms. Default 20. */
  eventLoopDelayP99Ms: number;
  /** CPU share above which the generator is saturated. Default 0.9 (90 % of one core). */
  cpuShare: number;
  /** Share of sends that left late because of the generator (not the in-flight cap). Default 0.01. */
  lateShare: number;
}

export const DEFAULT_SATURATION: SaturationThresholds = { eventLoopDelayP99Ms: 20, cpuShare: 0.9, lateShare: 0.01 };

/** Pure: the reasons the generator was the bottleneck, empty when it was not. */
export function saturationReasons(
  figures: GeneratorFigures,
  generatorLateSends: number,
  sends: number,
  thresholds: SaturationThresholds = DEFAULT_SATURATION,
): string[] {
  const reasons: string[] = [];
  if (figures.eventLoopDelayP99Ms > thresholds.eventLoopDelayP99Ms) {
    reasons.push(
      `event-loop delay p99 ${figures.eventLoopDelayP99Ms.toFixed(1)} ms > ${thresholds.eventLoopDelayP99Ms} ms`,
    );
  }
  if (figures.cpuShare > thresholds.cpuShare) {
    reasons.push(
      `CPU ${(figures.cpuShare * 100).toFixed(0)} % of one core > ${(thresholds.cpuShare * 100).toFixed(0)} %`,
    );
  }
  if (sends > 0 && generatorLateSends / sends > thresholds.lateShare) {
    reasons.push(`${generatorLateSends} of ${sends} sends left late (> ${(thresholds.lateShare * 100).toFixed(0)} %)`);
  }
  return reasons;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
