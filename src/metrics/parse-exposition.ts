import { InputError } from '../errors.js';
import type { Exemplar, Exposition, ExpositionFormat, Labels, MetricFamily, MetricType, Sample } from './exposition.js';
import { parseIntegerToken, parsePrometheusNumber } from './prometheus-number.js';

/**
 * A parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0, written for perf-gate.
 * References for the grammar:
 * - https://prometheus.io/docs/instrumenting/exposition_formats/ (text format 0.0.4)
 * - https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md (OpenMetrics 1.0)
 *
 * It is a single forward scan per line with no backtracking regular expressions, so any input,
 * however hostile, is parsed or rejected in linear time. Malformed input raises an InputError naming the
 * line number and what was wrong; it is deliberately lenient where real exporters differ from the spec
 * (blank lines, free comments, `\r\n` line ends), and strict where a lenient reading would change numbers.
 */
export interface ParseExpositionOptions {
  /**
   * 'auto' (default) reads OpenMetrics when the text has a `# EOF` line (which OpenMetrics requires),
   * else the 0.0.4 text format. The format matters for timestamps: seconds in OpenMetrics, ms in 0.0.4.
   */
  format?: 'auto' | 'prometheus' | 'openmetrics';
  /**
   * Keep only samples with one of these names or of a family with one of these names (the configured
   * metrics). A large exporter's other families are skipped after their name is read, so a page of many
   * megabytes costs little more than its text. Default: keep everything.
   */
  only?: ReadonlySet<string>;
}

const METRIC_TYPES: ReadonlySet<string> = new Set<MetricType>([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'untyped',
  'unknown',
]);

/** Which sample-name suffixes belong to a family of each type (OpenMetrics 1.0, "Metric types"). */
const SUFFIXES_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
  stateset: [],
  untyped: [],
  unknown: [],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];

export function parseExposition(text: string, options: ParseExpositionOptions = {}): Exposition {
  if (typeof text !== 'string') throw new InputError(`metrics exposition: expected text, got ${typeof text}`);
  const format = chooseFormat(text, options.format ?? 'auto');
  const state = new ParserState(format, options.only);
  // Line by line without splitting the whole text into an array first; a final newline ends the last
  // line rather than starting an empty one.
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const raw = text.slice(start, end);
    state.parseLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, ++lineNo);
    start = end + 1;
  }
  if (format === 'openmetrics-1.0' && !state.sawEof) {
    throw new InputError('metrics exposition: OpenMetrics text does not end with "# EOF" (truncated scrape?)');
  }
  return { format, families: state.families };
}

/** A line holding only `# EOF` (blanks around it allowed); [^\S\n] rather than \s keeps the scan linear. */
const EOF_LINE = /^[^\S\n]*# EOF[^\S\n]*$/m;

function chooseFormat(text: string, wanted: 'auto' | 'prometheus' | 'openmetrics'): ExpositionFormat {
  if (wanted === 'openmetrics') return 'openmetrics-1.0';
  if (wanted === 'prometheus') return 'prometheus-text-0.0.4';
  // Any "# EOF" line (not just the last one) marks OpenMetrics, so text after it is reported as such.
  return EOF_LINE.test(text) ? 'openmetrics-1.0' : 'prometheus-text-0.0.4';
}

class ParserState {
  readonly families = new Map<string, MetricFamily>();
  private readonly typed = new Set<string>();
  sawEof = false;

  constructor(
    private readonly format: ExpositionFormat,
    private readonly only?: ReadonlySet<string>,
  ) {}

  parseLine(line: string, lineNo: number): void {
    const cursor = new Cursor(line, lineNo);
    cursor.skipBlanks();
    if (cursor.atEnd()) return;
    if (this.sawEof) cursor.fail('content after "# EOF"');
    if (cursor.peek() === '#') {
      this.parseComment(cursor);
      return;
    }
    this.parseSample(cursor);
  }

  private parseComment(cursor: Cursor): void {
    cursor.advance(); // '#'
    cursor.skipBlanks();
    const keyword = cursor.readWhile(isUpperLetter);
    if (keyword === 'EOF' && cursor.restIsBlank()) {
      this.sawEof = true;
      return;
    }
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') return; // a free comment
    if (!cursor.skipBlanks()) {
      // "# HELPful remark" is a comment, not a HELP line without a space.
      if (!cursor.atEnd()) return;
      cursor.fail(`# ${keyword} without a metric name`);
    }
    const name = cursor.readMetricName();
    if (name === '') cursor.fail(`# ${keyword} without a valid metric name`);
    const hadBlank = cursor.skipBlanks();
    if (!hadBlank && !cursor.atEnd()) cursor.fail(`invalid character ${JSON.stringify(cursor.peek())} in metric name`);
    const rest = cursor.rest();
    const family = this.familyFor(name);
    if (keyword === 'HELP') {
      if (family.help !== undefined) cursor.fail(`second # HELP line for ${name}`);
      family.help = unescapeHelp(rest);
    } else if (keyword === 'UNIT') {
      if (family.unit !== undefined) cursor.fail(`second # UNIT line for ${name}`);
      family.unit = rest.trimEnd();
    } else {
      const type = rest.trimEnd();
      if (!METRIC_TYPES.has(type)) {
        cursor.fail(
          `unknown metric type ${JSON.stringify(type)} for ${name}; expected one of ${[...METRIC_TYPES].join(', ')}`,
        );
      }
      if (this.typed.has(name)) cursor.fail(`second # TYPE line for ${name}`);
      if (family.samples.length > 0) cursor.fail(`# TYPE line for ${name} comes after its samples`);
      this.typed.add(name);
      family.type = type as MetricType;
    }
  }

  private familyFor(name: string): MetricFamily {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { name, type: this.format === 'openmetrics-1.0' ? 'unknown' : 'untyped', samples: [] };
      this.families.set(name, family);
    }
    return family;
  }

  private parseSample(cursor: Cursor): void {
    const name = cursor.readMetricName();
    if (name === '') cursor.fail(`expected a metric name, found ${JSON.stringify(cursor.peek())}`);
    if (this.only && !this.only.has(name) && !this.only.has(this.knownFamily(name)?.name ?? '')) return;
    let blank = cursor.skipBlanks();
    let labels: Labels = emptyLabels();
    if (cursor.peek() === '{') {
      labels = cursor.readLabels();
      blank = cursor.skipBlanks();
    }
    if (!blank || cursor.atEnd()) {
      cursor.fail(
        cursor.atEnd()
          ? `sample ${name} has no value`
          : `invalid character ${JSON.stringify(cursor.peek())} after ${name}`,
      );
    }
    const valueToken = cursor.readToken();
    const value = parsePrometheusNumber(valueToken);
    if (value === undefined) cursor.fail(`invalid value ${JSON.stringify(valueToken)} for ${name}`);
    const sample: Sample = { name, labels, value };
    cursor.skipBlanks();
    if (!cursor.atEnd() && cursor.peek() !== '#') {
      sample.timestampMs = this.readTimestamp(cursor, name);
      cursor.skipBlanks();
    }
    if (!cursor.atEnd()) {
      if (cursor.peek() !== '#') cursor.fail(`unexpected text after the value of ${name}`);
      sample.exemplar = this.readExemplar(cursor, name);
    }
    const family = this.resolveFamily(name);
    checkSampleShape(family, sample, cursor);
    family.samples.push(sample);
  }

  private readTimestamp(cursor: Cursor, name: string): number {
    const token = cursor.readToken();
    if (this.format === 'openmetrics-1.0') {
      const seconds = parsePrometheusNumber(token);
      if (seconds === undefined || !Number.isFinite(seconds))
        cursor.fail(`invalid timestamp ${JSON.stringify(token)} for ${name}`);
      return seconds * 1000;
    }
    const ms = parseIntegerToken(token);
    if (ms === undefined)
      cursor.fail(`invalid timestamp ${JSON.stringify(token)} for ${name} (expected integer milliseconds)`);
    return ms;
  }

  private readExemplar(cursor: Cursor, name: string): Exemplar {
    cursor.advance(); // '#'
    cursor.skipBlanks();
    if (cursor.peek() !== '{') cursor.fail(`exemplar of ${name} must start with "{"`);
    const labels = cursor.readLabels();
    if (!cursor.skipBlanks()) cursor.fail(`exemplar of ${name} has no value`);
    const token = cursor.readToken();
    const value = parsePrometheusNumber(token);
    if (value === undefined) cursor.fail(`invalid exemplar value ${JSON.stringify(token)} for ${name}`);
    const exemplar: Exemplar = { labels, value };
    cursor.skipBlanks();
    if (!cursor.atEnd()) {
      const tsToken = cursor.readToken();
      const seconds = parsePrometheusNumber(tsToken);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        cursor.fail(`invalid exemplar timestamp ${JSON.stringify(tsToken)} for ${name}`);
      }
      // Exemplar timestamps are seconds in OpenMetrics, the only format that defines exemplars.
      exemplar.timestampMs = seconds * 1000;
      cursor.skipBlanks();
      if (!cursor.atEnd()) cursor.fail(`unexpected text after the exemplar of ${name}`);
    }
    return exemplar;
  }

  /** The family a sample belongs to: its own name, or a declared family whose type owns the suffix. */
  private resolveFamily(sampleName: string): MetricFamily {
    return this.knownFamily(sampleName) ?? this.familyFor(sampleName);
  }

  /** The family already seen that a sample of this name belongs to, if any. */
  private knownFamily(sampleName: string): MetricFamily | undefined {
    const exact = this.families.get(sampleName);
    if (exact !== undefined) return exact;
    for (const suffix of ALL_SUFFIXES) {
      if (!sampleName.endsWith(suffix) || sampleName.length === suffix.length) continue;
      const family = this.families.get(sampleName.slice(0, -suffix.length));
      if (family !== undefined && SUFFIXES_BY_TYPE[family.type].includes(suffix)) return family;
    }
    return undefined;
  }
}

/** Structural checks where a lenient reading would silently change numbers downstream. */
function checkSampleShape(family: MetricFamily, sample: Sample, cursor: Cursor): void {
  const isHistogram = family.type === 'histogram' || family.type === 'gaugehistogram';
  if (isHistogram && sample.name === `${family.name}_bucket`) {
    const le = sample.labels.le;
    if (le === undefined) cursor.fail(`histogram bucket ${sample.name} has no "le" label`);
    const bound = parsePrometheusNumber(le);
    if (bound === undefined || Number.isNaN(bound))
      cursor.fail(`histogram bucket ${sample.name} has an invalid le=${JSON.stringify(le)}`);
  }
  if (family.type === 'summary' && sample.name === family.name) {
    const quantile = sample.labels.quantile;
    if (quantile === undefined) cursor.fail(`summary sample ${sample.name} has no "quantile" label`);
    const q = parsePrometheusNumber(quantile);
    if (q === undefined)
      cursor.fail(`summary sample ${sample.name} has an invalid quantile=${JSON.stringify(quantile)}`);
  }
}

function emptyLabels(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function unescapeHelp(text: string): string {
  // HELP text escapes only backslash and newline (0.0.4); OpenMetrics also allows \". Other backslashes stay.
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === 'n') {
        out += '\n';
        i++;
        continue;
      }
      if (next === '\\' || next === '"') {
        out += next;
        i++;
        continue;
      }
    }
    out += ch;
  }
  return out.trimEnd();
}

function isUpperLetter(ch: string): boolean {
  return ch >= 'A' && ch <= 'Z';
}

/** A position in one line, with the helpers the grammar needs; every failure names the line. */
class Cursor {
  private pos = 0;
  constructor(
    private readonly line: string,
    private readonly lineNo: number,
  ) {}

  fail(what: string): never {
    // Names and values are quoted from the input, which can be megabytes long: keep log lines short.
    const shown = what.length > 300 ? `${what.slice(0, 297)}...` : what;
    throw new InputError(`metrics exposition, line ${this.lineNo}: ${shown}`);
  }
  atEnd(): boolean {
    return this.pos >= this.line.length;
  }
  peek(): string {
    return this.line[this.pos] ?? '';
  }
  advance(): void {
    this.pos++;
  }
  rest(): string {
    return this.line.slice(this.pos);
  }
  restIsBlank(): boolean {
    return this.line.slice(this.pos).trim() === '';
  }
  /** Skips spaces and tabs; returns whether there were any. */
  skipBlanks(): boolean {
    const start = this.pos;
    while (this.pos < this.line.length && isBlankCode(this.line.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }
  readWhile(accept: (ch: string) => boolean): string {
    const start = this.pos;
    while (!this.atEnd() && accept(this.peek())) this.pos++;
    return this.line.slice(start, this.pos);
  }
  /** A whitespace-delimited token (a value or timestamp). */
  readToken(): string {
    const start = this.pos;
    while (this.pos < this.line.length && !isBlankCode(this.line.charCodeAt(this.pos))) this.pos++;
    return this.line.slice(start, this.pos);
  }
  /** Metric names: [a-zA-Z_:][a-zA-Z0-9_:]* (Prometheus data model). Empty when none starts here. */
  readMetricName(): string {
    return this.readName(true);
  }
  /** Label names: [a-zA-Z_][a-zA-Z0-9_]*. Empty when none starts here. */
  readLabelName(): string {
    return this.readName(false);
  }
  private readName(allowColon: boolean): string {
    const start = this.pos;
    const line = this.line;
    if (this.pos >= line.length) return '';
    const first = line.charCodeAt(this.pos);
    if (!(isNameStartCode(first) || (allowColon && first === COLON))) return '';
    this.pos++;
    while (this.pos < line.length) {
      const code = line.charCodeAt(this.pos);
      if (!(isNameStartCode(code) || isDigitCode(code) || (allowColon && code === COLON))) break;
      this.pos++;
    }
    return line.slice(start, this.pos);
  }
  /** `{name="value",...}` with escapes \\ \" \n; a trailing comma is accepted (0.0.4 allows it). */
  readLabels(): Labels {
    const labels = emptyLabels();
    this.advance(); // '{'
    for (;;) {
      this.skipBlanks();
      if (this.peek() === '}') {
        this.advance();
        return labels;
      }
      if (this.atEnd()) this.fail('unterminated label set (missing "}")');
      const name = this.readLabelName();
      if (name === '') this.fail(`invalid label name starting with ${JSON.stringify(this.peek())}`);
      this.skipBlanks();
      if (this.peek() !== '=') this.fail(`expected "=" after label name ${name}`);
      this.advance();
      this.skipBlanks();
      if (this.peek() !== '"') this.fail(`expected a quoted value for label ${name}`);
      this.advance();
      const value = this.readLabelValue(name);
      if (Object.hasOwn(labels, name)) this.fail(`duplicate label ${name}`);
      labels[name] = value;
      this.skipBlanks();
      if (this.peek() === ',') {
        this.advance();
        continue;
      }
      if (this.peek() !== '}') this.fail(`expected "," or "}" after the value of label ${name}`);
    }
  }
  /** Copies runs of plain characters in one slice each, so long values cost linear time. */
  private readLabelValue(name: string): string {
    const line = this.line;
    const parts: string[] = [];
    for (;;) {
      let end = this.pos;
      while (end < line.length) {
        const code = line.charCodeAt(end);
        if (code === QUOTE || code === BACKSLASH) break;
        end++;
      }
      if (end >= line.length) this.fail(`unterminated value for label ${name}`);
      parts.push(line.slice(this.pos, end));
      this.pos = end + 1;
      if (line.charCodeAt(end) === QUOTE) return parts.length === 1 ? parts[0]! : parts.join('');
      const escaped = this.peek();
      this.advance();
      if (escaped === '\\' || escaped === '"') parts.push(escaped);
      else if (escaped === 'n') parts.push('\n');
      else this.fail(`invalid escape "\\${escaped}" in the value of label ${name}`);
    }
  }
}

const COLON = 58;
const QUOTE = 34;
const BACKSLASH = 92;
function isBlankCode(code: number): boolean {
  return code === 32 || code === 9;
}
function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isNameStartCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}
