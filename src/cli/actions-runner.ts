/**
 * The step's outputs and job summary, through @actions/core: with ActionsLogger (loggers.ts), the only
 * code that calls it. The CLI builds one inside GitHub Actions and passes it to publish() as its sinks
 * (src/github/publish.ts); outside Actions there is none, and nothing is published.
 */
import * as core from '@actions/core';
import type { ActionOutputs, JobSummary } from '../github/publish.js';

export type ActionsRunner = ActionOutputs & JobSummary;

export function actionsRunner(env: NodeJS.ProcessEnv): ActionsRunner | undefined {
  if (env.GITHUB_ACTIONS !== 'true') return undefined;
  return {
    setOutput: (name, value) => core.setOutput(name, value),
    appendJobSummary: async (markdown) => {
      // core.summary writes to the file GITHUB_STEP_SUMMARY names, appending to earlier steps' text.
      if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
    },
  };
}
