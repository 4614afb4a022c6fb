/**
 * Small lexical helpers over SQL text: counting top-level statements, turning PostgreSQL's error
 * `position` into line:column, and quoting identifiers. Pure functions, no I/O.
 *
 * The statement splitter is deliberately only used to COUNT statements in a non-transactional file
 * and to find an index name; migrations themselves are sent to the server whole, so the server's
 * own parser (not ours) decides what a statement is. Client-side splitting is where migration tools
 * trip over dollar quoting and `BEGIN ATOMIC` bodies.
 */

/** Splits SQL into top-level statements, honouring quotes, dollar quotes and comments. Empty ones are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  let hasCode = false;
  // Inside `CREATE FUNCTION ... BEGIN ATOMIC ... END` semicolons do not end the statement (PG 14+).
  let atomicDepth = 0;
  let lastWords: string[] = [];
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (hasCode && text) statements.push(text);
    hasCode = false;
    lastWords = [];
    start = end + 1;
  };
  while (i < n) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (ch === '/' && next === '*') {
      // PostgreSQL block comments nest.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth += 1;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth -= 1;
          i += 2;
        } else i += 1;
      }
      continue;
    }
    if (ch === "'" || ch === '"') {
      hasCode = true;
      // E'...' strings allow backslash escapes; standard strings only double the quote.
      const escapes = ch === "'" && i > 0 && /[eE]/.test(sql[i - 1]!) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      i += 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') {
          i += 2;
          continue;
        }
        if (sql[i] === ch) {
          if (sql[i + 1] === ch) {
            i += 2;
            continue;
          }
          break;
        }
        i += 1;
      }
      i += 1;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const prev = sql[i - 1] ?? '';
      if (tag && !/[A-Za-z0-9_]/.test(prev)) {
        hasCode = true;
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      hasCode = true;
      const upper = word.toUpperCase();
      if (upper === 'ATOMIC' && lastWords[lastWords.length - 1] === 'BEGIN') atomicDepth += 1;
      // CASE ... END inside an atomic body must not close it.
      else if (atomicDepth > 0 && upper === 'CASE') atomicDepth += 1;
      else if (atomicDepth > 0 && upper === 'END') atomicDepth -= 1;
      lastWords.push(upper);
      if (lastWords.length > 4) lastWords.shift();
      i += word.length;
      continue;
    }
    if (ch === ';' && atomicDepth === 0) {
      push(i);
      i += 1;
      continue;
    }
    if (!/\s/.test(ch)) hasCode = true;
    i += 1;
  }
  push(n);
  return statements;
}

/**
 * PostgreSQL reports `position` as a 1-based CHARACTER index into the query string it received
 * (protocol docs, ErrorResponse field 'P'). JavaScript strings index UTF-16 code units, so iterate
 * by code point to stay right after emoji or other astral characters.
 */
export function positionToLineColumn(sql: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let index = 1;
  for (const char of sql) {
    if (index >= position) break;
    if (char === '\n') {
      line += 1;
      column = 1;
    } else column += 1;
    index += 1;
  }
  return { line, column };
}

/** The text of one line (1-based), for showing next to an error. */
export function lineOf(sql: string, line: number): string {
  return sql.split(/\r?\n/)[line - 1] ?? '';
}

/** Double-quotes an identifier the way PostgreSQL's quote_ident does, so user input never becomes SQL. */
export function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** "schema.table" or "table" (public) into quoted parts; a dot inside quotes is kept. */
export function parseQualifiedName(name: string): { schema: string; table: string; sql: string } {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < name.length; i += 1) {
    const ch = name[i]!;
    if (ch === '"') {
      if (quoted && name[i + 1] === '"') {
        current += '"';
        i += 1;
      } else quoted = !quoted;
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  if (quoted || parts.length > 2 || parts.some((p) => p === '')) {
    throw new Error(`not a table name: ${JSON.stringify(name)}; expected "table" or "schema.table"`);
  }
  const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
  return { schema, table, sql: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}` };
}

/**
 * For a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table` statement, the
 * index and table names as written (unquoted), so the runner can check `pg_index.indisvalid` after it.
 */
export function concurrentIndexTarget(statement: string): { index?: string; table?: string } | undefined {
  const ident = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
  const qualified = String.raw`${ident}(?:\s*\.\s*${ident})?`;
  const re = new RegExp(
    String.raw`^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(${ident})\s+)?ON\s+(?:ONLY\s+)?(${qualified})`,
    'i',
  );
  const stripped = stripLeadingComments(statement);
  const match = re.exec(stripped);
  if (!match) return undefined;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  const index = match[1] && match[1].toUpperCase() !== 'ON' ? unquote(match[1]) : undefined;
  const tableParts = match[2]!.split(/\s*\.\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/).map(unquote);
  return { index, table: tableParts.join('.') };
}

/** The statement without the comments and blank lines in front of it. */
export function stripLeadingComments(sql: string): string {
  let out = sql;
  for (;;) {
    const trimmed = out.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      out = end < 0 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      out = end < 0 ? '' : trimmed.slice(end + 2);
    } else return trimmed;
  }
}
