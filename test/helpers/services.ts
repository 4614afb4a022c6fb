/**
 * Tests that need a real service (PostgreSQL server, Docker engine) call `requireService`.
 * Outside CI a missing service skips the test with the reason; under CI=true it fails the test,
 * so a CI run can never pass by silently skipping what it was meant to exercise.
 */
export const inCI = process.env.CI === 'true';

export interface ServiceProbe {
  available: boolean;
  reason: string;
}

/** Returns true when the test may run; throws under CI when it may not. */
export function requireService(name: string, probe: ServiceProbe): boolean {
  if (probe.available) return true;
  if (inCI) throw new Error(`${name} is required under CI=true but is not available: ${probe.reason}`);
  return false;
}
