/**
 * Nothing from a results.json becomes markup, a link, an image, a mention or a reference: report.md
 * (the PR comment, the Check's summary and the job summary) rendered by a real GFM renderer (micromark
 * with its GFM extension), and report.html, for results whose every string and count a fork wrote.
 *
 * The proof compares two renderings: the hostile results, and the same results with each string
 * replaced by a neutral word (distinct strings stay distinct). Both must give exactly the same HTML
 * elements with the same attributes, and the same text outside code: so every element and every
 * word GitHub could turn into a mention, an issue reference, a commit link or a URL came from
 * perf-gate's template, and the file's text stays inside code, where GitHub shows it literally.
 */
import fc from 'fast-check';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { headline, renderMarkdown } from '../../src/report/markdown.js';
import type { Results } from '../../src/report/results.js';
import { fencedBlock, plainText, stageText } from '../../src/report/untrusted-text.js';
import { errorResults, failResults, fixtureRound, noDataResults } from '../helpers/results-fixtures.js';

/** Fragments that are markup, links, mentions or references somewhere in GitHub's pipeline. */
const ATTACKS = [
  '[link](https://evil.example/x)',
  '![img](https://evil.example/i.png)',
  '[ref]: https://evil.example',
  '<https://evil.example>',
  'https://evil.example/a',
  'www.evil.example',
  'mail@evil.example',
  '@octocat',
  '@acme/admins',
  '&#64;octocat',
  '#7',
  'GH-7',
  'acme/rag#1',
  'acme/rag@5d41402abc4b2a76b9719d911017c592ae5cbf2c',
  '5d41402abc4b2a76b9719d911017c592ae5cbf2c',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<details open>',
  '</details>',
  '</sub>',
  '<!--',
  '&lt;b&gt;',
  '|',
  '\\|',
  '\\\\|',
  '\n',
  '\r\n',
  '\n\n',
  '```',
  '\n```\n',
  '\n```mermaid\n',
  '~~~',
  '`',
  '``',
  '**b**',
  '_e_',
  '~~s~~',
  '[^1]',
  '- [x] done',
  '> q',
  '# h',
  '---',
  '\u202e',
  '\u200b',
  ':tada:',
  ' ',
  '\\',
  '"',
  ']',
  '::error::x',
];

const hostileString = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ATTACKS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => parts.join(''));

/** A count as a fork could write it: a number, a fraction, a huge one, or a string full of markup. */
const hostileCount = fc.oneof(fc.nat({ max: 50 }), fc.double(), fc.integer(), hostileString);

/** Names the renderer looks up (client metrics and the fixtures' round values) keep their identity. */
const KNOWN = new Set([
  'latency_p50',
  'latency_p90',
  'latency_p95',
  'latency_p99',
  'latency_max',
  'latency_mean',
  'throughput',
  'error_rate',
  'pipeline_time',
  'pool_wait_p95',
  'baseline',
  'candidate',
]);

/**
 * A figure as a schema-valid file could hold it (any finite number): ordinary ones, and ones whose
 * rendering would print seven or more digits, which GitHub links as a commit SHA.
 */
const hostileNumber = fc.oneof(
  fc.constantFrom(
    123456.7,
    99999.9,
    1e5,
    999999.6,
    1e6,
    1234567,
    -1e5,
    1e12,
    -1e12,
    3604762800056289,
    1e21,
    -1e300,
    0.05,
    -0.5,
    1e-9,
  ),
  fc.double({ min: -1e300, max: 1e300, noNaN: true }),
  fc.integer({ min: -1e9, max: 1e9 }),
);

interface Hostile {
  strings: string[];
  counts: unknown[];
  numbers?: number[];
}

/**
 * Builds results from the fixtures with every string field (and every count) taken from `pick`,
 * in a fixed order, so the same picks give the hostile and the neutral variant.
 */
function build(base: Results, next: () => string, nextCount: () => unknown, nextNumber?: () => number): Results {
  const r = structuredClone(base) as Results;
  const any = r as unknown as Record<string, unknown>;
  any.runId = next();
  r.tool = { name: 'perf-gate', version: next() };
  r.config = next();
  r.error = { stage: next(), message: next(), exitCode: 3 };
  r.targets = r.targets.map((t) => ({ ...t, expression: next(), metric: next(), note: next() }));
  r.metrics = r.metrics.map((m) => ({ ...m, name: next(), description: next(), pairs: nextCount() as number }));
  if (nextNumber) {
    r.targets = r.targets.map((t) => ({
      ...t,
      estimate: nextNumber(),
      ci: [nextNumber(), nextNumber()],
      threshold: nextNumber(),
      minimumDetectableEffect: nextNumber(),
    }));
    r.metrics = r.metrics.map((m) => ({
      ...m,
      baseline: nextNumber(),
      candidate: nextNumber(),
      change: nextNumber(),
      ci: [nextNumber(), nextNumber()],
    }));
  }
  r.rounds = [
    fixtureRound(0, 'baseline'),
    fixtureRound(0, 'candidate'),
    fixtureRound(1, 'baseline', { valid: false }),
    fixtureRound(1, 'candidate', { flags: ['x'] }),
    fixtureRound(2, 'baseline'),
    fixtureRound(2, 'candidate'),
  ].map((round) => ({
    ...round,
    index: nextCount() as number,
    pair: nextCount() as number,
    variant: next() as 'baseline',
    flags: round.flags.length ? [next(), next()] : [],
    invalidReasons: round.valid ? [] : [next()],
  }));
  r.decision = {
    confidence: 0.95,
    method: next(),
    multipleComparisons: next(),
    plannedPairs: nextCount() as number,
    measuredPairs: nextCount() as number,
    validPairs: nextCount() as number,
    stoppingReason: next(),
  };
  r.migration = { [next()]: next(), list: [next()] };
  r.environment = { [next()]: next(), nested: { value: next() } };
  return r;
}

function hostileResults(base: Results, h: Hostile): Results {
  let s = 0;
  let c = 0;
  let n = 0;
  const numbers = h.numbers;
  return build(
    base,
    () => h.strings[s++ % h.strings.length]!,
    () => h.counts[c++ % h.counts.length],
    numbers && (() => numbers[n++ % numbers.length]!),
  );
}

/** The same picks with each string replaced by a neutral word; equal strings stay equal, distinct ones distinct. */
function neutralResults(base: Results, h: Hostile): Results {
  const names = new Map<string, string>();
  const neutral = (value: string): string => {
    if (KNOWN.has(value) || value === '') return value;
    if (stageText(value) !== undefined) return value; // a stage name is shown as plain text: checked by its own test below
    if (!names.has(value))
      names.set(value, plainText(value).trim() === '' ? ' '.repeat(names.size + 1) : `N${names.size}`);
    return names.get(value)!;
  };
  let s = 0;
  let c = 0;
  let n = 0;
  const numbers = h.numbers;
  // Figures stay as they are: the neutral variant differs from the hostile one only in its strings.
  return build(
    base,
    () => neutral(h.strings[s++ % h.strings.length]!),
    () => {
      const count = h.counts[c++ % h.counts.length];
      return typeof count === 'string' ? neutral(count) : count;
    },
    numbers && (() => numbers[n++ % numbers.length]!),
  );
}

const TAG = /<\/?[a-zA-Z][^>]*>/g;

/** Every tag with its attributes, in order. */
function tags(html: string): string[] {
  return html.match(TAG) ?? [];
}

/** The text GitHub post-processes (mentions, references, autolinks): outside pre, code and a. */
function proseText(html: string): string {
  return html
    .replace(/<pre>[\s\S]*?<\/pre>/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<a [\s\S]*?<\/a>/g, ' ')
    .replace(TAG, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function githubHtml(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** What GitHub links or notifies in text (docs.github.com, "Autolinked references and URLs"). */
const GITHUB_REFERENCES = [
  /(^|[^\w`])@[a-z0-9]/i,
  /(^|[^\w&])#\d/,
  /\bGH-\d/i,
  /\w\/[\w.-]+[#@]\w/,
  /\b[0-9a-f]{7,40}\b/,
  /https?:\/\//i,
  /\bwww\./i,
  /\w@\w/,
];

/** Lines a Mermaid xychart block may hold: labels from a plain character set, numbers. */
const MERMAID_LINE =
  /^(xychart-beta| {2}title "[\w .:/%+()_,-]*"| {2}x-axis \[("[\w .:/%+—-]*"(, )?)*\]| {2}y-axis "[\w ]+"| {2}(bar|line) \[[-\d.e, +]*\])$/;

const BASES: [string, () => Results][] = [
  ['fail', failResults],
  ['no data', noDataResults],
  ['error', errorResults],
];

describe('report.md from a hostile results.json, rendered as GitHub would (micromark + GFM)', () => {
  it.each(BASES)('%s: the file adds no element, link, image, mention or reference', (_name, base) => {
    fc.assert(
      fc.property(
        fc.array(hostileString, { minLength: 1, maxLength: 40 }),
        fc.array(hostileCount, { minLength: 1, maxLength: 10 }),
        fc.array(hostileNumber, { minLength: 1, maxLength: 12 }),
        (strings, counts, numbers) => {
          const h = { strings, counts, numbers };
          const hostileMd = renderMarkdown(hostileResults(base(), h));
          const neutralMd = renderMarkdown(neutralResults(base(), h));
          const hostileHtml = githubHtml(hostileMd);
          const neutralHtml = githubHtml(neutralMd);
          expect(tags(hostileHtml)).toEqual(tags(neutralHtml));
          const prose = proseText(hostileHtml);
          expect(prose.replace(/\s+/g, ' ')).toBe(proseText(neutralHtml).replace(/\s+/g, ' '));
          for (const pattern of GITHUB_REFERENCES) expect(prose).not.toMatch(pattern);
          for (const block of hostileMd.match(/```mermaid\n[\s\S]*?\n```/g) ?? []) {
            for (const line of block.split('\n').slice(1, -1)) expect(line).toMatch(MERMAID_LINE);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the Check title (the headline) holds only perf-gate words and a checked stage name', () => {
    fc.assert(
      fc.property(hostileString, (stage) => {
        const r = errorResults();
        r.error = { stage, message: 'x', exitCode: 3 };
        expect(headline(r)).toMatch(/^💥 perf-gate could not finish: (a stage|[a-z][a-z-]*) failed$/);
      }),
    );
  });

  it('a status outside the enum shows as unknown, not as the source of Object', () => {
    const r = failResults();
    (r.targets[0] as { status: string }).status = 'constructor';
    const md = renderMarkdown(r);
    expect(md).not.toContain('function');
    expect(md).toContain('❔ unknown');
  });
});

describe('report.html from a hostile results.json', () => {
  it("drops bidi overrides and zero-width characters, keeps the text and the error message's lines", () => {
    const r = errorResults();
    r.error = { stage: 'bench', message: 'line one\u202e reversed\nline\u200b two', exitCode: 3 };
    const html = renderHtml(r);
    expect(html).not.toMatch(/[\u202e\u200b]/);
    expect(html).toContain('<pre>line one reversed\nline two</pre>');
  });

  it.each(BASES)('%s: the file adds no element or attribute', (_name, base) => {
    fc.assert(
      fc.property(
        fc.array(hostileString, { minLength: 1, maxLength: 40 }),
        fc.array(hostileCount, { minLength: 1, maxLength: 10 }),
        (strings, counts) => {
          const h = { strings, counts };
          expect(tags(renderHtml(hostileResults(base(), h)))).toEqual(tags(renderHtml(neutralResults(base(), h))));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('fencedBlock, the one fence builder for text from a results.json', () => {
  it('is at least three backticks and longer than any backtick run inside, so the content cannot close it', () => {
    expect(fencedBlock('json', '{}')).toBe('```json\n{}\n```');
    expect(fencedBlock('json', '"a ``````` b"')).toBe('````````json\n"a ``````` b"\n````````');
    fc.assert(
      fc.property(hostileString, (content) => {
        const block = fencedBlock('json', content);
        const html = githubHtml(`${block}\n\nafter`);
        expect(html.match(/<pre>/g)).toHaveLength(1);
        expect(html).toMatch(/<\/pre>\n<p>after<\/p>/);
      }),
    );
  });
});
