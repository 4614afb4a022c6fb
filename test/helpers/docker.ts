import { spawnSync } from 'node:child_process';
import type { ServiceProbe } from './services.js';

export function probeDocker(): ServiceProbe {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) return { available: false, reason: `docker client not runnable: ${result.error.message}` };
  if (result.status !== 0) return { available: false, reason: `no Docker engine answers: ${result.stderr.trim()}` };
  return { available: true, reason: '' };
}
