/**
 * Runs a composite action's `action.yml` the way GitHub's runner does, for tests: each step in
 * order with its `if:`, `env:`, `shell:`, `working-directory:` and `continue-on-error:`; the
 * expressions the file uses; fresh GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_PATH /
 * GITHUB_STEP_SUMMARY files per step, read back after it; the event payload at GITHUB_EVENT_PATH;
 * workflow commands parsed from stdout; and, on every run, a check that no value registered with
 * `::add-mask::` (or given as a secret) shows up in any later output.
 *
 * What the runner does that this follows (docs.github.com/actions/reference/workflows-and-actions/metadata-syntax,
 * "runs for composite actions"; actions/runner docs/adrs/0549-composite-run-steps.md):
 * - composite steps get no INPUT_* variables: inputs reach a script only through `env:` (or
 *   through `${{ }}` expanded into the script text, which the runner does and STYLE.md forbids);
 * - `shell` is required on a `run` step; bash runs `bash --noprofile --norc -eo pipefail {0}`,
 *   sh runs `sh -e {0}`, python runs `python {0}`, on a script file written to RUNNER_TEMP;
 * - a step's `if:` without a status function means `success() && (...)`, and inside a composite
 *   the status functions look at the composite's own steps so far;
 * - GITHUB_ENV and GITHUB_PATH written by one step apply to the steps after it;
 * - the action's `outputs.*.value` expressions are evaluated after the last step.
 * Steps with `uses:` are not supported and fail the run loudly.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envFileToRecord, parsePathFile } from './env-files.js';
import {
  type ContextValue,
  type EvaluationScope,
  type ExpressionValue,
  evaluateCondition,
  evaluateTemplate,
  interpolate,
  isTruthy,
} from './expression.js';
import { findMaskLeaks, type MaskLeak, parseWorkflowCommands, type WorkflowCommand } from './workflow-commands.js';

export type StepOutcome = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface HarnessEvent {
  /** GITHUB_EVENT_NAME: pull_request, push, workflow_run, ... */
  name: string;
  payload: Record<string, unknown>;
}

export interface RunActionOptions {
  /** Folder holding action.yml (github.action_path, GITHUB_ACTION_PATH). */
  actionDir: string;
  /** The `with:` of the calling workflow step. Keys must be declared inputs. */
  inputs?: Record<string, string>;
  event: HarnessEvent;
  /** owner/repo; default octo-org/octo-service. */
  repository?: string;
  /** github.token, the default of many `github-token` inputs; registered as a mask like any secret. */
  githubToken?: string;
  /** Values the runner masks from the start (the workflow's secrets). */
  secrets?: string[];
  /** GITHUB_API_URL; default https://api.github.com. */
  apiUrl?: string;
  /** Extra variables of the job's environment (the workflow's `env:`). */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE; default a fresh folder under the run's temp dir. */
  workspace?: string;
  /** Overrides for GITHUB_SHA / GITHUB_REF when the event's defaults do not fit. */
  sha?: string;
  ref?: string;
  /** Pretend the workflow was cancelled right after this step ran. */
  cancelAfterStep?: string;
  /** Per step; a step that runs longer is killed and fails. Default 10 minutes. */
  stepTimeoutMs?: number;
  /** 'throw' (default): a mask leak fails the run after every step has run. */
  onLeak?: 'throw' | 'record';
  /** Keep RUNNER_TEMP after the run (for debugging); default removed by `dispose()`. */
  keepTemp?: boolean;
}

export interface StepRecord {
  id: string;
  name: string;
  ran: boolean;
  outcome: StepOutcome;
  conclusion: StepOutcome;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The step's own `env:` after expansion. */
  env: Record<string, string>;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  durationMs: number;
}

export interface ActionRun {
  steps: StepRecord[];
  /** The record of the step with this id; throws for an unknown id. */
  step(id: string): StepRecord;
  /** The action's outputs (`outputs.*.value` evaluated after the last step). */
  outputs: Record<string, string>;
  /** The composite step as the workflow sees it. */
  outcome: 'success' | 'failure' | 'cancelled';
  /** The job summary: every step's GITHUB_STEP_SUMMARY in order. */
  summary: string;
  /** Annotations (`::error::`, `::warning::`, `::notice::`) from every step. */
  annotations: WorkflowCommand[];
  /** Every value masked by the end of the run. */
  masks: string[];
  leaks: MaskLeak[];
  runnerTemp: string;
  workspace: string;
  eventPath: string;
  /** The job environment after the run (GITHUB_ENV applied). */
  jobEnv: Record<string, string>;
  dispose(): void;
}

export class HarnessError extends Error {
  override name = 'HarnessError';
}

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

interface CompositeStep {
  id?: string;
  name?: string;
  if?: string | boolean;
  run?: string;
  uses?: string;
  shell?: string;
  env?: Record<string, unknown>;
  'working-directory'?: string;
  'continue-on-error'?: string | boolean;
  [key: string]: unknown;
}

interface ActionFile {
  name?: string;
  inputs?: Record<string, ActionInput | null>;
  outputs?: Record<string, { description?: string; value?: string }>;
  runs?: { using?: string; steps?: CompositeStep[] };
}

const STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'run',
  'uses',
  'shell',
  'env',
  'working-directory',
  'continue-on-error',
  'with',
]);

/** Variables of the machine a runner passes through to steps; the test process's own env stays out. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'USER', 'TMPDIR', 'DOCKER_HOST', 'PG_BIN', 'TZ'];

export function readActionFile(actionDir: string): ActionFile {
  const path = join(actionDir, 'action.yml');
  const file = existsSync(path) ? path : join(actionDir, 'action.yaml');
  const action = parseYaml(readFileSync(file, 'utf8')) as ActionFile;
  if (action?.runs?.using !== 'composite')
    throw new HarnessError(`${file}: runs.using is '${action?.runs?.using}', the harness runs only composite actions`);
  if (!Array.isArray(action.runs.steps) || action.runs.steps.length === 0)
    throw new HarnessError(`${file}: runs.steps is empty`);
  return action;
}

/**
 * The argv the runner uses for a `shell:` value and the script file it runs (the runner names the
 * file after the shell: .sh for bash and sh, .py for python).
 */
export function shellCommand(shell: string, scriptBase: string): { argv: string[]; script: string } {
  switch (shell) {
    case 'bash':
      return {
        argv: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', `${scriptBase}.sh`],
        script: `${scriptBase}.sh`,
      };
    case 'sh':
      return { argv: ['sh', '-e', `${scriptBase}.sh`], script: `${scriptBase}.sh` };
    case 'python':
      return { argv: ['python3', `${scriptBase}.py`], script: `${scriptBase}.py` };
  }
  if (!shell.includes('{0}'))
    throw new HarnessError(`shell '${shell}' is neither bash, sh, python nor a command template with {0}`);
  return {
    argv: shell
      .split(/\s+/)
      .filter(Boolean)
      .map((part) => part.replace('{0}', scriptBase)),
    script: scriptBase,
  };
}

/** Defaults the runner derives from the event for GITHUB_REF, GITHUB_SHA and the branch names. */
function refsFor(event: HarnessEvent): { ref: string; sha: string; headRef: string; baseRef: string } {
  const p = event.payload as {
    pull_request?: {
      number: number;
      merge_commit_sha?: string;
      head: { sha: string; ref?: string };
      base: { ref?: string };
    };
    ref?: string;
    after?: string;
    repository?: { default_branch?: string };
    default_branch_head_sha?: string;
  };
  if (p.pull_request) {
    // On pull_request, GITHUB_SHA is the test merge commit, not the head (docs.github.com, "Events that trigger workflows").
    return {
      ref: `refs/pull/${p.pull_request.number}/merge`,
      sha: String(p.pull_request.merge_commit_sha ?? p.pull_request.head.sha),
      headRef: String(p.pull_request.head.ref ?? ''),
      baseRef: String(p.pull_request.base.ref ?? ''),
    };
  }
  if (event.name === 'push') return { ref: String(p.ref), sha: String(p.after), headRef: '', baseRef: '' };
  const branch = String(p.repository?.default_branch ?? 'main');
  return {
    ref: `refs/heads/${branch}`,
    sha: String(p.default_branch_head_sha ?? 'f'.repeat(40)),
    headRef: '',
    baseRef: '',
  };
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'harness-runner-temp-'));
  const home = mkdtempSync(join(tmpdir(), 'harness-runner-files-'));
  try {
    return await runInFolders(options, runnerTemp, home);
  } catch (error) {
    // A run that throws (a bad action.yml, an expression we refuse, a leak) leaves nothing behind.
    rmSync(runnerTemp, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

async function runInFolders(options: RunActionOptions, runnerTemp: string, home: string): Promise<ActionRun> {
  const actionDir = resolve(options.actionDir);
  const action = readActionFile(actionDir);
  const workspace = options.workspace ?? join(home, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const eventPath = join(home, 'event.json');
  writeFileSync(eventPath, JSON.stringify(options.event.payload, null, 2));
  const repository = options.repository ?? 'octo-org/octo-service';
  const refs = refsFor(options.event);
  const sha = options.sha ?? refs.sha;
  const ref = options.ref ?? refs.ref;
  const token = options.githubToken ?? '';
  const apiUrl = options.apiUrl ?? 'https://api.github.com';
  const masks = new Set<string>([...(options.secrets ?? []), ...(token ? [token] : [])].filter((s) => s.length > 0));

  const runId = String(9_000_000_000 + Math.floor(Math.random() * 1_000_000));
  const github: Record<string, ExpressionValue> = {
    action_path: actionDir,
    action_repository: '',
    action_status: 'success',
    actor: 'octocat',
    api_url: apiUrl,
    base_ref: refs.baseRef,
    event: options.event.payload as ExpressionValue,
    event_name: options.event.name,
    event_path: eventPath,
    graphql_url: `${apiUrl}/graphql`,
    head_ref: refs.headRef,
    job: 'gate',
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge'),
    repository,
    repository_owner: repository.split('/')[0]!,
    run_attempt: '1',
    run_id: runId,
    run_number: '17',
    server_url: 'https://github.com',
    sha,
    token,
    workflow: 'perf',
    workspace,
  };
  const runner: Record<string, ExpressionValue> = {
    arch: 'X64',
    name: 'harness',
    os: 'Linux',
    temp: runnerTemp,
    tool_cache: join(home, 'tool-cache'),
    debug: '',
  };

  const jobEnv: Record<string, string> = {};
  for (const key of INHERITED) if (process.env[key] !== undefined) jobEnv[key] = process.env[key]!;
  Object.assign(jobEnv, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: apiUrl,
    GITHUB_BASE_REF: refs.baseRef,
    GITHUB_EVENT_NAME: options.event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_GRAPHQL_URL: `${apiUrl}/graphql`,
    GITHUB_HEAD_REF: refs.headRef,
    GITHUB_JOB: 'gate',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_NUMBER: '17',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: sha,
    GITHUB_WORKFLOW: 'perf',
    GITHUB_WORKSPACE: workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'harness',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: String(runner.tool_cache),
    ...(options.env ?? {}),
  });
  const extraPath: string[] = [];

  // Inputs: declared ones only, defaults evaluated with the github context (e.g. ${{ github.token }}).
  const declared = action.inputs ?? {};
  for (const key of Object.keys(options.inputs ?? {})) {
    if (!(key in declared))
      throw new HarnessError(
        `input '${key}' is not declared in action.yml (declared: ${Object.keys(declared).join(', ')})`,
      );
  }
  const inputs: Record<string, ExpressionValue> = {};
  const defaultScope: EvaluationScope = { contexts: { github: { value: github, strict: true } } };
  for (const [key, spec] of Object.entries(declared)) {
    const given = options.inputs?.[key];
    inputs[key] =
      given !== undefined ? given : spec?.default !== undefined ? interpolate(String(spec.default), defaultScope) : '';
  }

  const steps: StepRecord[] = [];
  const stepsContext: Record<string, ExpressionValue> = {};
  let actionStatus: 'success' | 'failure' = 'success';
  let cancelled = false;
  const leaks: MaskLeak[] = [];
  const summaries: string[] = [];
  const checkLeaks = (text: string, where: string) => {
    if (text) leaks.push(...findMaskLeaks(masks, text, where));
  };

  const scope = (withStatus: boolean): EvaluationScope => {
    const contexts: Record<string, ContextValue> = {
      github: { value: { ...github, action_status: actionStatus }, strict: true },
      inputs: { value: inputs, strict: true },
      runner: { value: runner, strict: true },
      steps: { value: stepsContext, strict: true },
      env: { value: { ...jobEnv }, strict: false },
      job: { value: { status: cancelled ? 'cancelled' : actionStatus }, strict: true },
    };
    if (!withStatus) return { contexts };
    return {
      contexts,
      status: {
        success: () => !cancelled && actionStatus === 'success',
        failure: () => actionStatus === 'failure',
        cancelled: () => cancelled,
        always: () => true,
      },
    };
  };

  const definitions = action.runs!.steps!;
  const ids = new Set<string>();
  for (const [index, step] of definitions.entries()) {
    for (const key of Object.keys(step))
      if (!STEP_KEYS.has(key))
        throw new HarnessError(`step ${index + 1}: key '${key}' is not valid in a composite step`);
    if (step.uses !== undefined)
      throw new HarnessError(`step ${index + 1}: 'uses:' steps are not supported by the harness`);
    if (typeof step.run !== 'string') throw new HarnessError(`step ${index + 1}: a composite step needs 'run:'`);
    if (!step.shell) throw new HarnessError(`step ${index + 1}: 'shell:' is required on a composite run step`);
    const id = step.id ?? `__run_${index + 1}`;
    if (ids.has(id)) throw new HarnessError(`step id '${id}' is used twice`);
    ids.add(id);
  }

  for (const [index, step] of definitions.entries()) {
    const id = step.id ?? `__run_${index + 1}`;
    const record: StepRecord = {
      id,
      name: step.name ? interpolate(step.name, scope(false)) : `Run ${step.run!.split('\n')[0]}`,
      ran: false,
      outcome: 'skipped',
      conclusion: 'skipped',
      exitCode: null,
      stdout: '',
      stderr: '',
      env: {},
      outputs: {},
      state: {},
      summary: '',
      commands: [],
      durationMs: 0,
    };
    steps.push(record);
    const runIt = evaluateCondition(step.if, scope(true));
    if (runIt) {
      await runStep(step, record);
      const continueOnError =
        step['continue-on-error'] === undefined
          ? false
          : isTruthy(evaluateTemplate(String(step['continue-on-error']), scope(false)));
      record.conclusion = record.outcome === 'failure' && continueOnError ? 'success' : record.outcome;
      if (record.conclusion === 'failure') actionStatus = 'failure';
    }
    stepsContext[id] = { outputs: record.outputs, outcome: record.outcome, conclusion: record.conclusion };
    if (options.cancelAfterStep === id) cancelled = true;
  }

  async function runStep(step: CompositeStep, record: StepRecord): Promise<void> {
    const stepScope = scope(false);
    for (const [key, raw] of Object.entries(step.env ?? {})) {
      record.env[key] =
        raw === null || raw === undefined ? '' : typeof raw === 'string' ? interpolate(raw, stepScope) : String(raw);
    }
    const files = {
      GITHUB_OUTPUT: join(runnerTemp, '_runner_file_commands', `set_output_${randomUUID()}`),
      GITHUB_ENV: join(runnerTemp, '_runner_file_commands', `set_env_${randomUUID()}`),
      GITHUB_STATE: join(runnerTemp, '_runner_file_commands', `save_state_${randomUUID()}`),
      GITHUB_PATH: join(runnerTemp, '_runner_file_commands', `add_path_${randomUUID()}`),
      GITHUB_STEP_SUMMARY: join(runnerTemp, '_runner_file_commands', `step_summary_${randomUUID()}`),
    };
    mkdirSync(join(runnerTemp, '_runner_file_commands'), { recursive: true });
    for (const path of Object.values(files)) writeFileSync(path, '');
    const shell = interpolate(step.shell!, stepScope);
    const { argv, script } = shellCommand(shell, join(runnerTemp, randomUUID()));
    // The runner expands ${{ }} in the script text itself before writing the file.
    writeFileSync(script, interpolate(step.run!, stepScope));
    const workingDirectory = step['working-directory'] ? interpolate(step['working-directory'], stepScope) : workspace;
    const env: Record<string, string> = {
      ...jobEnv,
      ...files,
      GITHUB_ACTION: `__${record.id}`,
      GITHUB_ACTION_PATH: actionDir,
      ...record.env,
    };
    if (extraPath.length > 0) env.PATH = [...extraPath, env.PATH ?? ''].join(delimiter);

    const started = Date.now();
    const result = await spawnStep(
      argv,
      isAbsolute(workingDirectory) ? workingDirectory : join(workspace, workingDirectory),
      env,
      options.stepTimeoutMs ?? 600_000,
    );
    record.durationMs = Date.now() - started;
    record.ran = true;
    record.exitCode = result.code;
    record.stdout = result.stdout;
    record.stderr = result.stderr;
    record.outcome = result.code === 0 ? 'success' : 'failure';

    // Masks: those known before the step apply to all its output; one registered on a stdout line
    // applies from the next line on. stderr has no order against stdout, so every mask the step
    // registered applies to all of it (a secret on stderr before its mask is a leak on GitHub too).
    const parsed = parseWorkflowCommands(result.stdout);
    record.commands = parsed.commands;
    const lines = result.stdout.split('\n');
    let checkedFrom = 0;
    const stdoutLeaks = (upTo: number) => {
      checkLeaks(lines.slice(checkedFrom, upTo).join('\n'), `step '${record.id}' stdout`);
      checkedFrom = upTo;
    };
    for (const command of parsed.commands) {
      if (command.command !== 'add-mask') continue;
      stdoutLeaks(command.line);
      checkedFrom = command.line + 1;
      if (command.message) masks.add(command.message);
    }
    stdoutLeaks(lines.length);
    checkLeaks(result.stderr, `step '${record.id}' stderr`);

    record.outputs = envFileToRecord(readFileSync(files.GITHUB_OUTPUT, 'utf8'), `step '${record.id}' GITHUB_OUTPUT`);
    record.state = envFileToRecord(readFileSync(files.GITHUB_STATE, 'utf8'), `step '${record.id}' GITHUB_STATE`);
    const envAdded = envFileToRecord(readFileSync(files.GITHUB_ENV, 'utf8'), `step '${record.id}' GITHUB_ENV`);
    Object.assign(jobEnv, envAdded);
    extraPath.unshift(...parsePathFile(readFileSync(files.GITHUB_PATH, 'utf8')).reverse());
    record.summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    if (record.summary) summaries.push(record.summary);
    checkLeaks(
      Object.entries(record.outputs)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
      `step '${record.id}' outputs`,
    );
    checkLeaks(
      Object.entries(envAdded)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
      `step '${record.id}' GITHUB_ENV`,
    );
    checkLeaks(record.summary, `step '${record.id}' job summary`);
  }

  const outputs: Record<string, string> = {};
  for (const [key, spec] of Object.entries(action.outputs ?? {})) {
    outputs[key] = spec?.value === undefined ? '' : interpolate(String(spec.value), scope(false));
  }

  const run: ActionRun = {
    steps,
    step(id: string) {
      const found = steps.find((s) => s.id === id);
      if (!found) throw new HarnessError(`no step '${id}' (steps: ${steps.map((s) => s.id).join(', ')})`);
      return found;
    },
    outputs,
    outcome: cancelled ? 'cancelled' : actionStatus,
    summary: summaries.join('\n'),
    annotations: steps.flatMap((s) => s.commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command))),
    masks: [...masks],
    leaks,
    runnerTemp,
    workspace,
    eventPath,
    jobEnv,
    dispose() {
      if (!options.keepTemp) rmSync(runnerTemp, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
  if (leaks.length > 0 && (options.onLeak ?? 'throw') === 'throw') {
    throw new HarnessError(
      `masked values appeared in later output:\n${leaks.map((l) => `- ${l.secret} in ${l.where}: …${l.excerpt}…`).join('\n')}`,
    );
  }
  return run;
}

function spawnStep(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HarnessError(`cannot start '${argv[0]}': ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : null),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
