/**
 * The recorded event payloads in test/fixtures/events, as the runner would write them to
 * GITHUB_EVENT_PATH. The file name says the event (`pull_request-fork.json` is a pull_request).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HarnessEvent } from './composite-runner.js';

export type EventFixture = 'pull_request' | 'pull_request-fork' | 'push-release' | 'workflow_run';

const EVENTS_DIR = resolve(import.meta.dirname, '../fixtures/events');

export function loadEventFixture(fixture: EventFixture): HarnessEvent {
  const payload = JSON.parse(readFileSync(join(EVENTS_DIR, `${fixture}.json`), 'utf8')) as Record<string, unknown>;
  return { name: fixture.split('-')[0]!, payload };
}
