/**
 * The one sanitising path for text that reaches the runner's log. On GitHub Actions the runner reads
 * every line a step prints, on stdout and on stderr, as a possible workflow command: a line that
 * starts with `::` after blanks (`::error::`, `::add-mask::`, `::stop-commands::`, the deprecated
 * `::set-output`...) or holds the old form `##[command]` is acted on, not shown
 * (docs.github.com/actions/reference/workflows-and-actions/workflow-commands). A runId, a target,
 * a backend's output or an error quoting a file can carry such a line after a line break, and
 * `::stop-commands::` would even switch off the masking of secrets that follows.
 *
 * So every logger passes its text through inertLogText: the runner splits lines at \n, \r and \r\n
 * (.NET's ReadLine), so each of those pieces is checked; a `::` after leading blanks gets a zero-width
 * space between its colons, and `##[` one between its hashes. The line reads the same to a person and
 * is never a command. Characters .NET trims as blanks but JavaScript's \s does not (U+0085, U+180E)
 * count as blanks here too.
 */

const ZERO_WIDTH_SPACE = '\u200b';

function inertLine(line: string): string {
  return line
    .replace(/^([\s\u0085\u180e]*):(?=:)/u, `$1:${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=#\[)/g, `#${ZERO_WIDTH_SPACE}`);
}

/** `text` with no line the runner would read as a workflow command; line breaks become \n. */
export function inertLogText(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(inertLine)
    .join('\n');
}
