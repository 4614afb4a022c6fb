/**
 * The example workflows in examples/workflows/ are what users copy first: they must be valid workflow
 * files, only use inputs and outputs action.yml declares, never splice untrusted values into a shell
 * script, and ask for no more token permissions than the gate needs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/config-schema.js';

const DIR = `${REPO_ROOT}examples/workflows/`;
const workflowFiles = readdirSync(DIR).filter((f) => f.endsWith('.yml') && !f.endsWith('.perf-gate.yml'));
const action = parseYaml(readFileSync(`${REPO_ROOT}action.yml`, 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};

/** How the examples refer to perf-gate: `owner/perf-gate@ref`, or the repository itself (`./`). */
const OUR_ACTION = /^([\w.-]+\/perf-gate@[\w./-]+|\.\/?)$/;

/**
 * Permissions a perf-gate workflow may hold (docs.github.com, "Permissions for the GITHUB_TOKEN"):
 * reading the code, the sticky comment, the Check run, and reading another run's artifact (fork-safe pair).
 */
const ALLOWED_PERMISSIONS: Record<string, string> = {
  contents: 'read',
  'pull-requests': 'write',
  checks: 'write',
  actions: 'read',
};

/**
 * Contexts an attacker controls (a fork's branch name, a PR title, an artifact...), after GitHub Security
 * Lab, "Keeping your GitHub Actions and workflows secure Part 2: Untrusted input". In a `run:` script
 * they become shell code; they must go through `env:` instead.
 */
const UNTRUSTED_IN_RUN =
  /\$\{\{[^}]*\b(inputs\.|github\.event\.|github\.head_ref|steps\.[\w-]+\.outputs\.|needs\.[\w-]+\.outputs\.|env\.)/;

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on'?: unknown;
  steps?: Step[];
  permissions?: Record<string, string> | string;
  services?: Record<string, { image?: string }>;
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: Record<string, string> | string;
  jobs?: Record<string, Job>;
}

function load(file: string): Workflow {
  // The yaml package reads `on:` as the key "on" (YAML 1.2), as GitHub does.
  return parseYaml(readFileSync(DIR + file, 'utf8')) as Workflow;
}

function allSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);
}

function ourSteps(workflow: Workflow): Step[] {
  return allSteps(workflow).filter((s) => typeof s.uses === 'string' && OUR_ACTION.test(s.uses));
}

/** Every `${{ ... }}` expression anywhere in the value, as text. */
function expressionsIn(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
}

describe('example workflows', () => {
  it('the injection check recognises the classic injections (so its silence below means something)', () => {
    for (const script of [
      'echo "${{ github.event.pull_request.title }}"',
      'git checkout ${{ github.head_ref }}',
      'x=${{ inputs.config }}',
      'echo ${{steps.pr.outputs.number}}',
    ]) {
      expect(script).toMatch(UNTRUSTED_IN_RUN);
    }
    expect('echo "$PR_TITLE"').not.toMatch(UNTRUSTED_IN_RUN);
  });

  it('the folder holds the seven scenarios', () => {
    expect(workflowFiles.sort()).toEqual([
      'canary-verify.yml',
      'fork-comment.yml',
      'fork-measure.yml',
      'neon-preview.yml',
      'post-deploy-check.yml',
      'pr-gate.yml',
      'release-gate.yml',
    ]);
  });

  describe.each(workflowFiles)('%s', (file) => {
    const workflow = load(file);

    it('has the shape of a workflow: on, jobs, runs-on and steps that each use or run something', () => {
      expect(workflow.on).toBeTruthy();
      const jobs = Object.entries(workflow.jobs ?? {});
      expect(jobs.length).toBeGreaterThan(0);
      for (const [name, job] of jobs) {
        expect(job['runs-on'], `job ${name}`).toBeTruthy();
        expect(job.steps?.length, `job ${name}`).toBeGreaterThan(0);
        for (const step of job.steps ?? []) {
          const kinds = [step.uses !== undefined, step.run !== undefined].filter(Boolean).length;
          expect(kinds, `a step of job ${name} must have exactly one of uses/run: ${JSON.stringify(step)}`).toBe(1);
          if (step.with !== undefined) expect(step.uses, 'with: needs uses:').toBeDefined();
          if (step.uses !== undefined) expect(step.uses).toMatch(/^(\.\/|[\w.-]+\/[\w./-]+@[\w./-]+$|docker:\/\/)/);
        }
      }
    });

    it('passes perf-gate only inputs that action.yml declares', () => {
      for (const step of ourSteps(workflow)) {
        for (const key of Object.keys(step.with ?? {}))
          expect(Object.keys(action.inputs), `with: ${key}`).toContain(key);
      }
    });

    it('reads only outputs that action.yml declares, from a step that exists', () => {
      const stepsById = new Map(
        allSteps(workflow)
          .filter((s) => s.id)
          .map((s) => [s.id!, s]),
      );
      for (const expression of expressionsIn(workflow.jobs)) {
        for (const m of expression.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const step = stepsById.get(m[1]!);
          expect(step, `step '${m[1]}' referenced in \${{ ${expression} }}`).toBeDefined();
          if (step?.uses && OUR_ACTION.test(step.uses))
            expect(Object.keys(action.outputs), `output of perf-gate in \${{ ${expression} }}`).toContain(m[2]);
        }
      }
    });

    it('splices no untrusted value into a run: script (they go through env:)', () => {
      for (const step of allSteps(workflow)) {
        if (step.run === undefined) continue;
        expect(step.run, `step '${step.name ?? step.id ?? step.run.slice(0, 40)}'`).not.toMatch(UNTRUSTED_IN_RUN);
        // No expressions at all in scripts: even "trusted" ones invite copy-paste of untrusted ones.
        expect(expressionsIn(step.run)).toEqual([]);
      }
    });

    it('asks for the least token permissions: read contents; write only comments and Checks', () => {
      expect(typeof workflow.permissions, 'top-level permissions must be a mapping (not write-all, not absent)').toBe(
        'object',
      );
      const blocks = [workflow.permissions, ...Object.values(workflow.jobs ?? {}).map((j) => j.permissions)].filter(
        (p) => p !== undefined,
      );
      for (const block of blocks) {
        expect(typeof block).toBe('object');
        for (const [scope, level] of Object.entries(block as Record<string, string>)) {
          expect(Object.keys(ALLOWED_PERMISSIONS), `permission ${scope}`).toContain(scope);
          if (level !== 'none' && level !== 'read')
            expect(level, `permission ${scope}`).toBe(ALLOWED_PERMISSIONS[scope]);
        }
        expect((block as Record<string, string>).contents ?? 'read').not.toBe('write');
      }
    });

    it('points perf-gate at a config that exists among the examples', () => {
      for (const step of ourSteps(workflow)) {
        const config = step.with?.config;
        if (typeof config !== 'string' || config === '') continue;
        const name = config.split('/').pop()!;
        expect(existsSync(DIR + name), `${config} (copied from examples/workflows/${name})`).toBe(true);
      }
    });
  });

  it('pull-request gate: a services: postgres preview database feeds database-url', () => {
    const workflow = load('pr-gate.yml');
    expect(JSON.stringify(workflow.on)).toContain('pull_request');
    const job = Object.values(workflow.jobs!)[0]!;
    expect(job.services?.postgres?.image).toMatch(/postgres|pgvector/);
    const [gate] = ourSteps(workflow);
    expect(String(gate?.with?.['database-url'])).toMatch(/^postgres(ql)?:\/\/[^@]+@localhost:5432\//);
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', checks: 'write' });
  });

  it('canary on Fly: promote only when verify passed (inconclusive is not a pass), roll the canary back on any other outcome', () => {
    const workflow = load('canary-verify.yml');
    const steps = allSteps(workflow);
    const verify = steps.find((s) => s.id === 'verify')!;
    expect(verify.uses).toMatch(OUR_ACTION);
    expect(verify.with).toMatchObject({
      mode: 'verify',
      config: 'perf/canary.perf-gate.yml',
      canary: 'version="canary"',
      stable: 'version="stable"',
      'fail-on-inconclusive': 'true',
    });
    expect(existsSync(`${DIR}canary.perf-gate.yml`)).toBe(true);
    // The read token comes from secrets, into the input perf-gate masks.
    expect(verify.with?.['prometheus-token']).toBe('${{ secrets.FLY_PROMETHEUS_TOKEN }}');
    // A failed verify must not fail the job before the rollback step runs.
    expect((verify as Step & { 'continue-on-error'?: boolean })['continue-on-error']).toBe(true);
    const verifyAt = steps.indexOf(verify);
    const promote = steps.findIndex((s) => s.name?.startsWith('Promote'));
    const rollback = steps.findIndex((s) => s.name?.startsWith('Roll the canary back'));
    expect(promote).toBeGreaterThan(verifyAt);
    expect(rollback).toBeGreaterThan(verifyAt);
    expect(steps[promote]!.if).toBe("steps.verify.outcome == 'success'");
    // Also when the job fails, times out or is cancelled after the canary changed.
    expect(steps[rollback]!.if).toBe(
      "always() && steps.canary.outputs.machine != '' && steps.verify.outcome != 'success'",
    );
    // The rollback restores the image the canary Machine ran before, and leaves the job red.
    expect(steps[rollback]!.env?.STABLE_IMAGE).toBe('${{ steps.canary.outputs.stable-image }}');
    expect(steps[rollback]!.run).toContain('exit 1');
  });

  it('Neon preview: the gate measures on a branch of production created for the PR, deleted whatever the outcome', () => {
    const workflow = load('neon-preview.yml');
    const steps = allSteps(workflow);
    const create = steps.findIndex((s) => s.uses?.startsWith('neondatabase/create-branch-action@'));
    const [gate] = ourSteps(workflow);
    const gateAt = steps.indexOf(gate!);
    const remove = steps.findIndex((s) => s.uses?.startsWith('neondatabase/delete-branch-action@'));
    expect(create).toBeGreaterThanOrEqual(0);
    expect(gateAt).toBeGreaterThan(create);
    expect(remove).toBeGreaterThan(gateAt);
    const branchStep = steps[create]!.id!;
    expect(gate!.with?.['database-url']).toBe(`\${{ steps.${branchStep}.outputs.db_url }}`);
    expect(steps[remove]!.if).toMatch(/^always\(\)/);
    expect(steps[create]!.with?.api_key).toBe('${{ secrets.NEON_API_KEY }}');
    // The config pins the PostgreSQL version production runs.
    expect(readFileSync(`${DIR}neon-preview.perf-gate.yml`, 'utf8')).toMatch(/^\s+postgres: "\d+"/m);
  });

  it('release gate: runs on main and tags, and fly deploy depends on the gate verdict', () => {
    const workflow = load('release-gate.yml');
    const on = workflow.on as { push?: { branches?: string[]; tags?: string[] } };
    expect(on.push?.branches).toContain('main');
    expect(on.push?.tags?.length).toBeGreaterThan(0);
    const steps = allSteps(workflow);
    const gateIndex = steps.findIndex((s) => s.uses && OUR_ACTION.test(s.uses));
    const gateId = steps[gateIndex]!.id!;
    const deploy = steps.findIndex((s) => s.run?.includes('deploy') && /fly(ctl)? deploy/.test(s.run));
    expect(deploy).toBeGreaterThan(gateIndex);
    expect(steps[deploy]!.if).toContain(`steps.${gateId}.outputs.verdict`);
    expect(steps[deploy]!.if).not.toContain("'fail'");
  });

  it('fork-safe pair: pull_request measures and uploads; workflow_run downloads and comments', () => {
    const measure = load('fork-measure.yml');
    expect(Object.keys(measure.on as object)).toEqual(['pull_request']);
    // The fork's code runs here: no write permission at all.
    expect(measure.permissions).toEqual({ contents: 'read' });
    const [gate] = ourSteps(measure);
    expect(gate?.with?.['comment-mode']).toBe('off');
    const reportDir = String(gate?.with?.['report-dir'] ?? action.inputs['report-dir']);
    const upload = allSteps(measure).find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.path).replace(/\/$/, '')).toBe(reportDir);
    expect(upload?.if).toBe('always()');

    const comment = load('fork-comment.yml');
    const on = comment.on as { workflow_run?: { workflows?: string[]; types?: string[] } };
    expect(on.workflow_run?.workflows).toEqual([measure.name]);
    expect(on.workflow_run?.types).toEqual(['completed']);
    const steps = allSteps(comment);
    // Never check out the pull request's code in the privileged half.
    for (const s of steps.filter((x) => x.uses?.startsWith('actions/checkout@'))) expect(s.with?.ref).toBeUndefined();
    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.name).toBe(upload?.with?.name);
    expect(String(download?.with?.['run-id'])).toContain('github.event.workflow_run.id');
    const run = steps.find((s) => s.run?.includes('perf-gate comment'));
    expect(run?.run).toContain(`npx perf-gate comment --results ${reportDir}/results.json`);
  });

  it('post-deploy check: a url-kind config against the live Fly app and a stored baseline', () => {
    const workflow = load('post-deploy-check.yml');
    const [gate] = ourSteps(workflow);
    const configName = String(gate?.with?.config).split('/').pop()!;
    const config = parseYaml(readFileSync(DIR + configName, 'utf8')) as {
      backend: { kind: string; baseline: { url: string }; candidate: { url: string } };
    };
    expect(config.backend.kind).toBe('url');
    // The config reads both addresses from the environment the step sets.
    for (const variant of ['baseline', 'candidate'] as const) {
      const name = /^\$\{(\w+)\}$/.exec(config.backend[variant].url)?.[1];
      expect(name, `${variant}.url`).toBeDefined();
      expect(Object.keys(gate?.env ?? {})).toContain(name);
    }
    expect(String(gate?.env?.LIVE_URL)).toMatch(/^https:\/\/[\w-]+\.fly\.dev$/);
  });
});
