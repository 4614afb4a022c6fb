/**
 * The environment files a step writes to talk to the runner: GITHUB_OUTPUT, GITHUB_ENV and
 * GITHUB_STATE hold `name=value` lines or the multiline form
 *
 *   name<<DELIMITER
 *   line 1
 *   line 2
 *   DELIMITER
 *
 * (docs.github.com/actions/reference/workflows-and-actions/workflow-commands, "Environment files",
 * "Multiline strings"). GITHUB_PATH holds one directory per line. @actions/core writes the multiline
 * form with a random `ghadelimiter_<uuid>` delimiter for every value.
 */

export class EnvFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'EnvFileError';
  }
}

export interface EnvFileEntry {
  name: string;
  value: string;
}

/**
 * Parses an environment file into its entries in order (a later entry of the same name wins when
 * they are put into a map). Anything the runner would reject throws: a line with neither `=` nor
 * `<<`, an empty name, a multiline value whose delimiter never comes.
 */
export function parseEnvFile(text: string, file = 'environment file'): EnvFileEntry[] {
  const entries: EnvFileEntry[] = [];
  // The runner splits on \n and tolerates \r\n written on Windows.
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    // Whichever marker comes first decides the form: `a=b<<c` is a plain value containing '<<'.
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (!name) throw new EnvFileError(`line ${i + 1} has an empty name`, file);
      entries.push({ name, value: line.slice(equals + 1) });
      continue;
    }
    if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (!name) throw new EnvFileError(`line ${i + 1} has an empty name`, file);
      if (!delimiter) throw new EnvFileError(`line ${i + 1} ('${name}<<') has an empty delimiter`, file);
      const value: string[] = [];
      let closed = false;
      for (i += 1; i < lines.length; i += 1) {
        if (lines[i] === delimiter) {
          closed = true;
          break;
        }
        value.push(lines[i]!);
      }
      if (!closed)
        throw new EnvFileError(`the value of '${name}' is never closed by its delimiter '${delimiter}'`, file);
      entries.push({ name, value: value.join('\n') });
      continue;
    }
    throw new EnvFileError(
      `line ${i + 1} is neither 'name=value' nor 'name<<DELIMITER': ${JSON.stringify(line.slice(0, 60))}`,
      file,
    );
  }
  return entries;
}

export function envFileToRecord(text: string, file?: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of parseEnvFile(text, file)) record[entry.name] = entry.value;
  return record;
}

/** GITHUB_PATH: one directory per non-empty line, prepended to PATH in the order written. */
export function parsePathFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trim())
    .filter((line) => line !== '');
}
