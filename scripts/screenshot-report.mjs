// Visual check of the reports: renders report.md (the PR comment) and report.html for the pass and
// the fail fixture, and takes headless Chromium screenshots into docs/screenshots/.
//
//   npx tsx scripts/screenshot-report.mjs            (tsx: the renderers and fixtures are TypeScript)
//
// Needs Debian's `chromium` and `pandoc` (apt-get install -y chromium pandoc). Pandoc turns the
// GitHub-flavoured markdown into HTML; GitHub's own stylesheet and Mermaid are not available
// offline, so Mermaid blocks show as code (the HTML report draws its own SVG charts instead).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtml } from '../src/report/html.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { failResults, passResults } from '../test/helpers/results-fixtures.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'docs', 'screenshots');
const work = mkdtempSync(join(tmpdir(), 'perf-gate-shots-'));
mkdirSync(outDir, { recursive: true });

// A GitHub-like frame for the comment, so the screenshot reads the way a reviewer sees it.
const COMMENT_CSS = `body{margin:0;background:#f6f8fa;font:14px/1.5 system-ui,"DejaVu Sans",sans-serif;color:#1f2328}
.comment{max-width:900px;margin:24px auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:16px 24px}
table{border-collapse:collapse;display:block;overflow:auto}th,td{border:1px solid #d0d7de;padding:6px 13px}
tr:nth-child(2n){background:#f6f8fa}code{background:#eff1f3;border-radius:4px;padding:.1em .3em;font-size:85%}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto;font-size:12px}pre code{background:none;padding:0}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}sub{font-size:85%;color:#59636e;vertical-align:baseline}`;

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function markdownPage(markdown) {
  const mdFile = join(work, 'report.md');
  writeFileSync(mdFile, markdown);
  const body = run('pandoc', ['--from', 'gfm', '--to', 'html5', mdFile]);
  // Open every <details> so the screenshot shows what a reviewer sees after expanding them.
  const opened = body.replace(/<details>/g, '<details open>');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>report.md</title><style>${COMMENT_CSS}</style></head><body><div class="comment">${opened}</div></body></html>`;
}

function screenshot(htmlFile, pngFile, height) {
  const profile = mkdtempSync(join(tmpdir(), 'perf-gate-chromium-'));
  try {
    run('chromium', [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--screenshot=${pngFile}`,
      `--window-size=1280,${height}`,
      `file://${htmlFile}`,
    ]);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const height = Number(process.env.SHOT_HEIGHT ?? 1800);
for (const [name, results] of [
  ['pass', passResults()],
  ['fail', failResults()],
]) {
  const markdown = renderMarkdown(results, {
    runUrl: 'https://github.com/acme/rag-backend/actions/runs/1',
    artifactHint: 'full results in the perf-gate-report artifact',
  });
  const mdHtml = join(work, `comment-${name}.html`);
  writeFileSync(mdHtml, markdownPage(markdown));
  screenshot(mdHtml, join(outDir, `comment-${name}.png`), height);

  const reportHtml = join(work, `report-${name}.html`);
  writeFileSync(reportHtml, renderHtml(results, { runUrl: 'https://github.com/acme/rag-backend/actions/runs/1' }));
  screenshot(reportHtml, join(outDir, `report-${name}.png`), height);
  // The full page too: charts and tables sit below the first screen.
  if (process.env.SHOT_FULL)
    screenshot(reportHtml, join(outDir, `report-${name}-full.png`), Number(process.env.SHOT_FULL));
  process.stdout.write(`${name}: docs/screenshots/comment-${name}.png, docs/screenshots/report-${name}.png\n`);
}
if (!process.env.KEEP_HTML) rmSync(work, { recursive: true, force: true });
else process.stdout.write(`HTML kept in ${work}\n`);
