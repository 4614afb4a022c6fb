/**
 * The run's report files, all from one results object: results.json (for programs), report.md (the PR
 * comment body) and report.html (one self-contained page). Each is written atomically: the artifact
 * upload, or someone watching the folder, never reads half a file.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-file.js';
import { commentMarkdown } from '../github/publish.js';
import { renderHtml } from '../report/html.js';
import type { Results } from '../report/results.js';

export interface ReportFiles {
  resultsPath: string;
  reportPath: string;
  htmlPath: string;
}

export function writeReports(results: Results, dir: string, options: { runUrl?: string }): ReportFiles {
  const files = {
    resultsPath: join(dir, 'results.json'),
    reportPath: join(dir, 'report.md'),
    htmlPath: join(dir, 'report.html'),
  };
  // Reports are for people and the artifact upload; readable like any file the user writes.
  writeJsonAtomic(files.resultsPath, results, { mode: 0o644 });
  writeFileAtomic(files.reportPath, commentMarkdown(results, options.runUrl), { mode: 0o644 });
  writeFileAtomic(files.htmlPath, renderHtml(results, { runUrl: options.runUrl }), { mode: 0o644 });
  return files;
}
