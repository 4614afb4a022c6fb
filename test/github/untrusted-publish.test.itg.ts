/**
 * A results.json that passes the schema but whose every free-text field a fork wrote to be hostile,
 * published by `perf-gate comment` to the GitHub-shaped server: the PR comment, the Check run's
 * title, summary and annotations, and the job summary hold no element, link, image, mention or
 * reference that came from the file, rendered as GitHub renders Markdown (micromark + GFM).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsRunner } from '../../src/cli/actions-runner.js';
import { readRunContext } from '../../src/github/event-context.js';
import { publishFromResults } from '../../src/github/publish-from-results.js';
import { HEAD_SHA, type Kit, OWNER, PR, REPO, startKit } from '../helpers/github-client.js';
import { failResults } from '../helpers/results-fixtures.js';

const fixtures = resolve(import.meta.dirname, '../fixtures/github');
const workspace = mkdtempSync(join(tmpdir(), 'perf-gate-untrusted-publish-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const ATTACK =
  '[x](https://evil.example) ![i](https://evil.example/i.png) <img src=x> @octocat &#64;admin #7 GH-7 acme/rag#1 5d41402abc4b2a76 www.evil.example a@evil.example | ` ``` **b**';
const EXPRESSION = `pipeline_time improves >= 20% ${ATTACK}`;
writeFileSync(join(workspace, 'perf-gate.yml'), `targets:\n  - ${JSON.stringify(EXPRESSION)}\n`);

let kit: Kit;
const savedSummary = process.env.GITHUB_STEP_SUMMARY;
beforeEach(async () => {
  kit = await startKit();
});
afterEach(async () => {
  await kit.api.close();
  if (savedSummary === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = savedSummary;
});

function rendered(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** Text GitHub would turn into mentions, references or links: outside pre, code and perf-gate's own links. */
function prose(html: string): string {
  return html
    .replace(/<pre>[\s\S]*?<\/pre>|<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<a href="https:\/\/github\.com\/acme\/rag-backend\/actions\/runs\/\d+">[^<]*<\/a>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
}

function expectInert(markdown: string, where: string): void {
  const html = rendered(markdown);
  const elements = new Set((html.match(/<([a-z0-9]+)/g) ?? []).map((t) => t.slice(1)));
  // Only what perf-gate's own template produces.
  for (const element of elements)
    expect([
      'h3',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'code',
      'pre',
      'p',
      'blockquote',
      'strong',
      'details',
      'summary',
      'ul',
      'li',
      'sub',
      'br', // between the notes under the targets table
      'a',
    ]).toContain(element);
  expect(html.match(/<a /g) ?? [], `${where}: only the workflow run link`).toHaveLength(1);
  const text = prose(html);
  for (const live of [
    /(^|[^\w])@[a-z0-9]/i,
    /&amp;#64;/,
    /(^|[^\w&])#\d/,
    /GH-\d/i,
    /\w\/\w+#\d/,
    /\b[0-9a-f]{7,}\b/,
    /https?:\/\//,
    /www\./,
  ])
    expect(text, where).not.toMatch(live);
}

describe('perf-gate comment with a hostile but schema-valid results.json', () => {
  it('puts nothing live from the file into the comment, the Check run or the job summary', async () => {
    const summaryFile = join(workspace, 'step-summary.md');
    writeFileSync(summaryFile, '');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    const base = failResults();
    const results = {
      ...base,
      config: 'perf-gate.yml',
      targets: base.targets.map((t, i) => (i === 0 ? { ...t, expression: EXPRESSION, note: ATTACK } : t)),
      error: { stage: 'bench', message: `${ATTACK}\n\n# heading\n<details open>`, exitCode: 3 },
      decision: { ...base.decision!, method: ATTACK, multipleComparisons: ATTACK, stoppingReason: ATTACK },
      rounds: base.rounds.map((r, i) => (i === 0 ? { ...r, valid: false, invalidReasons: [ATTACK] } : r)),
      environment: { note: ATTACK, [ATTACK]: '```' },
    };
    const path = join(workspace, 'results.json');
    writeFileSync(path, JSON.stringify(results));
    const env = {
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(fixtures, 'pull_request.json'),
      GITHUB_WORKFLOW: 'perf',
      GITHUB_JOB: 'comment',
      GITHUB_WORKSPACE: workspace,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '12934568000',
    };
    await publishFromResults(path, {
      log: kit.log,
      jobSummary: actionsRunner({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }),
      github: {
        context: readRunContext(env),
        token: kit.api.token,
        commentMode: 'update',
        checkName: 'perf-gate',
        client: kit.client,
        workspace,
        cwd: workspace,
      },
    });

    const [comment] = kit.api.commentsOn(OWNER, REPO, PR);
    expect(comment?.body).toContain('evil.example'); // the text is shown...
    expectInert(comment!.body, 'comment'); // ...and nothing of it is live
    const check = kit.api.checkRuns[0]!;
    expect(check.head_sha).toBe(HEAD_SHA);
    expectInert(check.output.summary!, 'Check summary');
    expect(check.output.title).toBe('❌ perf-gate: 2 of 3 targets missed');
    expect(check.annotations.length).toBeGreaterThan(0);
    for (const a of check.annotations) {
      expect(a.message).not.toMatch(/[\r\n]|@[a-z]|#\d|https?:\/\/|www\./i);
      expect(a.message.replace(/\u2060/g, '')).toContain('@octocat');
    }
    expectInert(readFileSync(summaryFile, 'utf8'), 'job summary');
  });
});
