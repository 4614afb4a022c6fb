/** Debian's Python with the seed's stack (FastAPI, uvicorn, asyncpg, prometheus_client), which .ci/run installs. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServiceProbe } from './services.js';

export const DEBIAN_PYTHON = '/usr/bin/python3';
const MODULES = ['fastapi', 'uvicorn', 'asyncpg', 'prometheus_client'];

export function probePython(): ServiceProbe {
  if (!existsSync(DEBIAN_PYTHON))
    return { available: false, reason: `${DEBIAN_PYTHON} not found (apt-get install python3)` };
  const result = spawnSync(DEBIAN_PYTHON, ['-c', `import ${MODULES.join(', ')}`], { encoding: 'utf8' });
  return result.status === 0
    ? { available: true, reason: '' }
    : {
        available: false,
        reason: `${DEBIAN_PYTHON} cannot import ${MODULES.join(', ')} (${result.stderr.trim().split('\n').at(-1)}); apt-get install python3-fastapi python3-uvicorn python3-asyncpg python3-prometheus-client`,
      };
}
