/**
 * Workflow commands a step prints on stdout (docs.github.com/actions/reference/workflows-and-actions/workflow-commands):
 * `::name key=value,key=value::message`, with the runner's escaping (%25 %0D %0A in the message,
 * also %3A %2C in properties). Recognised here: group, endgroup, error, warning, notice, debug,
 * add-mask, stop-commands (and its resume token). Deprecated `set-output`/`save-state`/`set-env`
 * are reported as such so a test can fail on them.
 */

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
  /** Index of the line in the step's output. */
  line: number;
}

export interface ParsedOutput {
  commands: WorkflowCommand[];
  /** Lines that are not commands (what the log shows as plain text). */
  text: string[];
  masks: string[];
}

function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

const COMMAND = /^::([A-Za-z0-9_-]+)(?: ([^:]*))?::(.*)$/;

/** Splits a step's stdout into workflow commands and plain lines, as the runner reads it. */
export function parseWorkflowCommands(output: string): ParsedOutput {
  const parsed: ParsedOutput = { commands: [], text: [], masks: [] };
  let stopToken: string | undefined;
  output.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    // The runner also accepts a command after leading whitespace.
    const match = COMMAND.exec(line.trimStart());
    if (!match) {
      parsed.text.push(line);
      return;
    }
    const [, name, props, message] = match as unknown as [string, string, string | undefined, string];
    if (stopToken !== undefined) {
      if (name === stopToken) stopToken = undefined;
      else parsed.text.push(line);
      return;
    }
    const properties: Record<string, string> = {};
    for (const pair of (props ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
    const command: WorkflowCommand = { command: name, properties, message: unescapeData(message), line: index };
    parsed.commands.push(command);
    if (name === 'add-mask' && command.message) parsed.masks.push(command.message);
    if (name === 'stop-commands') stopToken = command.message;
  });
  return parsed;
}

/**
 * Where a registered secret shows up after it was masked: the runner would hide it in the log,
 * but a value printed in clear is still a leak (in an artifact, a summary, an output), so the
 * harness treats any occurrence in later output as a failure. Values shorter than 3 characters
 * are ignored, like the runner's masker does not hide trivial strings.
 */
export interface MaskLeak {
  secret: string;
  where: string;
  excerpt: string;
}

export function findMaskLeaks(masks: Iterable<string>, text: string, where: string): MaskLeak[] {
  const leaks: MaskLeak[] = [];
  for (const secret of masks) {
    if (secret.length < 3) continue;
    // The runner masks each line of a multiline secret separately.
    for (const part of secret.split(/\r?\n/).filter((p) => p.length >= 3)) {
      const at = text.indexOf(part);
      if (at >= 0) {
        const excerpt = text
          .slice(Math.max(0, at - 30), at + part.length + 30)
          .split(part)
          .join('<SECRET>');
        // Never echo the secret itself, not even a prefix: the report of a leak must not leak.
        leaks.push({ secret: `a masked value of ${part.length} characters`, where, excerpt });
        break;
      }
    }
  }
  return leaks;
}
