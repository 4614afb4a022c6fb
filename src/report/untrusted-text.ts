/**
 * The one path by which a value from results.json reaches a report. On the fork path the file was
 * written by a pull request's code and is published with a token that can write, so no value from
 * it may become markup, a link, an image, a mention or a reference.
 *
 * Why code spans, and not backslash escapes or HTML entities: GitHub renders Markdown (cmark-gfm)
 * and then rewrites the HTML's text: `@name` and `@org/team` become mentions (and notify),
 * `#123`, `GH-123` and `owner/repo#123` issue references, 7–40 hex digits commit links, and bare
 * URLs and e-mail addresses links. Those filters run after escapes and entities are decoded, so
 * `\@name` and `&#64;name` still mention. They skip the text of `<code>`, `<pre>` and `<a>`, and a
 * code span shows its content literally (no emphasis, links, images, HTML or entities). So every
 * untrusted string is shown inside a code span whose backtick fence is longer than any backtick run
 * in it, on one line (a line break would end a table row or open a block), with `|` escaped in
 * table cells (GFM splits cells before it parses code spans). Numbers are printed only after they
 * were checked to be numbers.
 */

/** Longest string shown from one field; the comment has a size limit and results.json is untrusted. */
export const MAX_SHOWN_LENGTH = 300;

/**
 * Characters no report should carry: C0 and C1 controls; bidirectional embeddings, overrides and
 * isolates, which reorder what a reader sees (CVE-2021-42574, "Trojan Source"); zero-width and other
 * invisible format characters, which hide text or join it to something else.
 */
const HIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

/** `text` without hidden characters (see HIDDEN), keeping its line breaks and tabs: for a <pre>. */
export function visibleText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(HIDDEN, (c) => (c === '\n' || c === '\t' ? c : ''));
}

/**
 * An untrusted value as one line of plain text: line breaks become spaces, hidden characters go,
 * and it is cut to `maxLength` characters (with an ellipsis). Anything but a string, a finite
 * number or a boolean gives ''.
 */
export function plainText(value: unknown, maxLength = MAX_SHOWN_LENGTH): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') text = String(value);
  else return '';
  const oneLine = text.replace(/\r\n|[\r\n\t\v\f\u0085\u2028\u2029]/g, ' ').replace(HIDDEN, '');
  if (oneLine.length <= maxLength) return oneLine;
  // Cut by code points, so a surrogate pair is never split.
  return `${Array.from(oneLine)
    .slice(0, Math.max(1, maxLength - 1))
    .join('')}…`;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/**
 * A fenced code block around `content` (which may hold backticks from a results.json): its fence is
 * at least three backticks and longer than any run inside, so nothing in the content can close it.
 */
export function fencedBlock(language: string, content: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return [`${fence}${language}`, content, fence].join('\n');
}

/**
 * Escapes `|` for a GFM table cell so that every renderer keeps it inside the cell: a pipe after an
 * even number of backslashes gets one more (cmark-gfm unescapes `\|` anywhere in a cell; micromark
 * first pairs up backslashes, so `\\|` would end the cell there).
 */
function escapeCellPipes(text: string): string {
  return text.replace(/(\\*)\|/g, (match, slashes: string) => (slashes.length % 2 === 0 ? `${slashes}\\|` : match));
}

export interface MarkdownTextOptions {
  /** The value sits in a GFM table cell. */
  cell?: boolean;
  maxLength?: number;
}

/**
 * An untrusted value for a Markdown report: a code span (see above), or '' for an empty value.
 * Never place the result at the start of a line: three backticks there open a fenced block.
 */
export function markdownText(value: unknown, options: MarkdownTextOptions = {}): string {
  let text = plainText(value, options.maxLength ?? MAX_SHOWN_LENGTH);
  if (text.trim() === '') return '';
  if (options.cell) text = escapeCellPipes(text);
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  // A code span drops one space at each end when both ends have one, and a backtick at an end
  // would join the fence: pad with a space on both sides in those cases.
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Largest count shown. Counts in a results.json (pairs, round positions) stay far below it; seven
 * digits and more could read as a commit SHA, which GitHub links.
 */
const MAX_COUNT = 999_999;

/** A count from the file (pairs, a round's index): printed only when it is a whole number in range. */
export function countText(value: unknown): string {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_COUNT
    ? String(value)
    : '—';
}

/** A number for a Mermaid chart: four significant digits, and 0 for anything not finite (no word can reach the chart). */
export function mermaidNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '0' : Number(value.toPrecision(4)).toString();
}

/** A position from the file counted from 0, shown counted from 1 (round 0 is "1"). */
export function ordinalText(value: unknown): string {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < MAX_COUNT
    ? String(value + 1)
    : '—';
}

/**
 * The name of a pipeline stage (migrate, boot, bench...) for a sentence, or undefined: lowercase
 * letters and '-' only, and no run of seven letters a–f (which GitHub could link as a commit).
 */
export function stageText(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z][a-z-]{0,39}$/.test(value) && !/[a-f]{7}/.test(value) ? value : undefined;
}

/**
 * Plain text that GitHub shows without Markdown but may still link (a Check run's annotations):
 * a word joiner (U+2060) after `@` and `#`, inside `://` and after `www` keeps mentions, issue
 * references and bare URLs from being recognised while reading the same.
 */
export function defusedPlainText(value: unknown, maxLength = MAX_SHOWN_LENGTH): string {
  return plainText(value, maxLength)
    .replace(/([@#])/g, '$1\u2060')
    .replace(/:\/\//g, ':\u2060//')
    .replace(/\b(www)\./gi, '$1\u2060.')
    .replace(/\b(gh)-/gi, '$1\u2060-')
    .replace(/([0-9a-f]{6})(?=[0-9a-f])/gi, '$1\u2060');
}
