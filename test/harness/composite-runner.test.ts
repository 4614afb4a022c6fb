/**
 * The harness proven on small composite actions before it judges ours: every behaviour the
 * perf-gate tests rely on (order, if:, env:, status functions, env files, outputs, masks, events)
 * is shown here on an action.yml whose right answer is obvious.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ActionRun, type RunActionOptions, runAction } from './composite-runner.js';

const folders: string[] = [];
const runs: ActionRun[] = [];
afterAll(() => {
  for (const run of runs) run.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const fixtures = resolve(import.meta.dirname, '../fixtures/events');
const prEvent = {
  name: 'pull_request',
  payload: JSON.parse(readFileSync(join(fixtures, 'pull_request.json'), 'utf8')) as Record<string, unknown>,
};

function action(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-action-'));
  folders.push(dir);
  writeFileSync(join(dir, 'action.yml'), yaml);
  return dir;
}

async function run(yaml: string, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  const result = await runAction({ actionDir: action(yaml), event: prEvent, ...options });
  runs.push(result);
  return result;
}

const FIVE_STEPS = `
name: five
inputs:
  greeting: { default: hello }
  fail-at: { default: '' }
  token: { default: '\${{ github.token }}' }
outputs:
  said: { value: '\${{ steps.first.outputs.said }}' }
  multi: { value: '\${{ steps.first.outputs.multi }}' }
  last: { value: '\${{ steps.always.outputs.ran }}' }
runs:
  using: composite
  steps:
    - id: first
      shell: bash
      run: |
        echo "said=$GREETING from $(basename "$GITHUB_ACTION_PATH")" >> "$GITHUB_OUTPUT"
        { echo "multi<<EOF_1"; echo "line 1"; echo "line 2"; echo "EOF_1"; } >> "$GITHUB_OUTPUT"
        echo "FROM_FIRST=carried" >> "$GITHUB_ENV"
        mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/my-tool" && chmod +x "$RUNNER_TEMP/bin/my-tool"
        echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
        echo "saved=1" >> "$GITHUB_STATE"
        echo "### first step" >> "$GITHUB_STEP_SUMMARY"
        env | grep -c '^INPUT_' || true
      env:
        GREETING: \${{ inputs.greeting }}
    - id: second
      shell: bash
      run: |
        echo "env=$FROM_FIRST tool=$(my-tool) state=\${STATE_saved:-none}"
        test "$STEP" != "\${{ inputs.fail-at }}"
      env:
        STEP: second
    - id: third
      shell: sh
      run: echo "third ran"
    - id: on-failure
      if: failure()
      shell: bash
      run: echo "failure seen after \${{ steps.second.outcome }}"
    - id: always
      if: \${{ always() }}
      shell: python
      run: |
        import os
        with open(os.environ["GITHUB_OUTPUT"], "a") as f:
            f.write("ran=yes\\n")
`;

describe('composite runner', () => {
  it('runs the steps in order with env:, shells, env files, outputs and the implicit success()', async () => {
    const result = await run(FIVE_STEPS);
    expect(result.outcome).toBe('success');
    expect(result.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'first:success',
      'second:success',
      'third:success',
      'on-failure:skipped',
      'always:success',
    ]);
    expect(result.outputs.said).toMatch(/^hello from harness-action-/);
    expect(result.outputs.multi).toBe('line 1\nline 2');
    expect(result.outputs.last).toBe('yes');
    // Composite steps get no INPUT_* variables: inputs travel only through env:.
    expect(result.step('first').stdout.trim()).toBe('0');
    // GITHUB_ENV and GITHUB_PATH reach the next steps; GITHUB_STATE is recorded, not exported to main steps.
    expect(result.step('second').stdout).toContain('env=carried tool=tool-ran state=none');
    expect(result.step('first').state).toEqual({ saved: '1' });
    expect(result.jobEnv.FROM_FIRST).toBe('carried');
    expect(result.summary).toBe('### first step\n');
    expect(result.step('first').env).toEqual({ GREETING: 'hello' });
  });

  it('after a failed step: plain steps are skipped, failure() and always() run, the action fails', async () => {
    const result = await run(FIVE_STEPS, { inputs: { 'fail-at': 'second' } });
    expect(result.outcome).toBe('failure');
    expect(result.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'first:success',
      'second:failure',
      'third:skipped',
      'on-failure:success',
      'always:success',
    ]);
    expect(result.step('second').exitCode).toBe(1);
    expect(result.step('on-failure').stdout).toBe('failure seen after failure\n');
    expect(result.step('third').ran).toBe(false);
  });

  it('bash runs with -e and pipefail, as the runner invokes it', async () => {
    const result = await run(`
runs:
  using: composite
  steps:
    - id: pipe
      shell: bash
      run: |
        false | cat
        echo "not reached"
`);
    expect(result.outcome).toBe('failure');
    expect(result.step('pipe').stdout).not.toContain('not reached');
  });

  it('continue-on-error: outcome failure, conclusion success, the next step still runs', async () => {
    const result = await run(`
runs:
  using: composite
  steps:
    - id: flaky
      continue-on-error: true
      shell: bash
      run: exit 7
    - id: next
      shell: bash
      run: echo "flaky was \${{ steps.flaky.outcome }}/\${{ steps.flaky.conclusion }}"
`);
    expect(result.outcome).toBe('success');
    expect(result.step('flaky')).toMatchObject({ outcome: 'failure', conclusion: 'success', exitCode: 7 });
    expect(result.step('next').stdout).toBe('flaky was failure/success\n');
  });

  it('cancellation: only always() and cancelled() steps run afterwards', async () => {
    const result = await run(
      `
runs:
  using: composite
  steps:
    - { id: a, shell: bash, run: 'true' }
    - { id: b, shell: bash, run: 'true' }
    - { id: c, if: cancelled(), shell: bash, run: 'true' }
    - { id: d, if: always(), shell: bash, run: 'true' }
`,
      { cancelAfterStep: 'a' },
    );
    expect(result.outcome).toBe('cancelled');
    expect(result.steps.map((s) => `${s.id}:${s.outcome}`)).toEqual([
      'a:success',
      'b:skipped',
      'c:success',
      'd:success',
    ]);
  });

  it('sets the variables a runner sets, with the pull request event at GITHUB_EVENT_PATH', async () => {
    const result = await run(
      `
runs:
  using: composite
  steps:
    - id: vars
      shell: bash
      run: |
        for v in CI GITHUB_ACTIONS GITHUB_EVENT_NAME GITHUB_REPOSITORY GITHUB_SHA GITHUB_REF GITHUB_API_URL GITHUB_WORKFLOW GITHUB_JOB; do echo "$v=\${!v}"; done
        node -e 'const e = require(process.env.GITHUB_EVENT_PATH); console.log("pr=" + e.pull_request.number + " head=" + e.pull_request.head.sha)'
        test -d "$RUNNER_TEMP" && test "$PWD" = "$GITHUB_WORKSPACE" && test -n "$GITHUB_RUN_ID" && echo dirs-ok
`,
      { apiUrl: 'http://127.0.0.1:9', repository: 'octo-org/octo-service' },
    );
    const out = result.step('vars').stdout;
    expect(out).toContain(
      'CI=true\nGITHUB_ACTIONS=true\nGITHUB_EVENT_NAME=pull_request\nGITHUB_REPOSITORY=octo-org/octo-service\n',
    );
    // On pull_request, GITHUB_SHA is the merge commit and GITHUB_REF the merge ref.
    expect(out).toContain(
      `GITHUB_SHA=9e1a5c0d${'7'.repeat(32)}\nGITHUB_REF=refs/pull/42/merge\nGITHUB_API_URL=http://127.0.0.1:9\nGITHUB_WORKFLOW=perf\nGITHUB_JOB=gate`,
    );
    expect(out).toContain(`pr=42 head=c0ffee42${'a'.repeat(32)}`);
    expect(out).toContain('dirs-ok');
  });

  it('parses workflow commands and fails the run when a masked value appears later', async () => {
    const yaml = `
inputs:
  token: { default: '\${{ github.token }}' }
runs:
  using: composite
  steps:
    - id: mask
      shell: bash
      run: |
        echo "::group::setup"
        echo "::add-mask::p4ssw0rd-xyz"
        echo "::warning title=careful::watch out"
        echo "::endgroup::"
        echo "masked later: p4ssw0rd-xyz"
    - id: again
      shell: bash
      run: echo "summary has it" && echo "p4ssw0rd-xyz" >> "$GITHUB_STEP_SUMMARY"
`;
    await expect(runAction({ actionDir: action(yaml), event: prEvent })).rejects.toThrow(
      /masked values appeared in later output:\n- a masked value of 12 characters in step 'mask' stdout/,
    );
    const recorded = await run(yaml, { onLeak: 'record' });
    expect(recorded.leaks.map((l) => l.where)).toEqual(["step 'mask' stdout", "step 'again' job summary"]);
    expect(recorded.step('mask').commands.map((c) => c.command)).toEqual(['group', 'add-mask', 'warning', 'endgroup']);
    expect(recorded.annotations).toMatchObject([
      { command: 'warning', message: 'watch out', properties: { title: 'careful' } },
    ]);
  });

  it('the github token is masked from the start, like a secret', async () => {
    const result = await run(
      `
inputs:
  token: { default: '\${{ github.token }}' }
runs:
  using: composite
  steps:
    - { id: leak, shell: bash, run: 'echo "token is $T" >&2', env: { T: '\${{ inputs.token }}' } }
`,
      { githubToken: 'ghs_harnessToken123', onLeak: 'record' },
    );
    expect(result.leaks.map((l) => l.where)).toEqual(["step 'leak' stderr"]);
    const clean = await run(`
runs:
  using: composite
  steps:
    - { id: ok, shell: bash, run: 'echo "::add-mask::only-before" && echo fine' }
`);
    expect(clean.leaks).toEqual([]);
  });

  it('fails loudly on what it does not support or what the file gets wrong', async () => {
    const bad = async (yaml: string, options: Partial<RunActionOptions> = {}) =>
      runAction({ actionDir: action(yaml), event: prEvent, ...options });
    await expect(bad(`runs: { using: node20, main: index.js }`)).rejects.toThrow(/runs only composite actions/);
    await expect(bad(`runs: { using: composite, steps: [ { uses: actions/checkout@v4 } ] }`)).rejects.toThrow(
      /'uses:' steps are not supported/,
    );
    await expect(bad(`runs: { using: composite, steps: [ { run: echo } ] }`)).rejects.toThrow(/'shell:' is required/);
    await expect(
      bad(`runs: { using: composite, steps: [ { run: echo, shell: bash, timeout-minutes: 3 } ] }`),
    ).rejects.toThrow(/key 'timeout-minutes' is not valid/);
    await expect(
      bad(`runs: { using: composite, steps: [ { run: echo, shell: bash, env: { X: '\${{ inputs.nope }}' } } ] }`),
    ).rejects.toThrow(/'nope' is not defined in this 'inputs' context/);
    await expect(
      bad(`inputs: { a: {} }\nruns: { using: composite, steps: [ { run: echo, shell: bash } ] }`, {
        inputs: { b: 'x' },
      }),
    ).rejects.toThrow(/input 'b' is not declared/);
    await expect(
      bad(`runs: { using: composite, steps: [ { run: echo, shell: bash, if: "secrets.X == 'y'" } ] }`),
    ).rejects.toThrow(/unknown context 'secrets'/);
  });
});
