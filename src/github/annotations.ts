/**
 * Check run annotations for targets that were missed or undecided, placed on the config file at
 * the line where the target is written, so the pull request's "Files changed" view points at it.
 * Pure: the config's path and text come in, annotations go out.
 *
 * GitHub requires path and start_line on every annotation and takes at most 50 per request
 * (docs.github.com/rest/checks/runs#create-a-check-run, "output.annotations"), so targets not found
 * in the file get no annotation rather than a made-up line.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { isInside } from '../config/workspace-paths.js';
import { formatChange, formatInterval, formatValue } from '../report/format.js';
import type { Results, TargetResult } from '../report/results.js';
import { defusedPlainText } from '../report/untrusted-text.js';

export const MAX_ANNOTATIONS_PER_REQUEST = 50;

export interface CheckAnnotation {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

/** The config's targets, normalized as the target parser does (trimmed, runs of spaces collapsed), with their 1-based line. */
export function targetLines(configText: string): Map<string, number> {
  const lines = new Map<string, number>();
  const counter = new LineCounter();
  const document = parseDocument(configText, { lineCounter: counter });
  if (document.errors.length > 0 || !isMap(document.contents)) return lines;
  const targets = document.contents.get('targets', true);
  if (!isSeq(targets)) return lines;
  for (const item of targets.items) {
    if (!isScalar(item) || typeof item.value !== 'string' || !item.range) continue;
    const expression = item.value.trim().replace(/\s+/g, ' ');
    if (!lines.has(expression)) lines.set(expression, counter.linePos(item.range[0]).line);
  }
  return lines;
}

function describe(t: TargetResult): string {
  const estimate =
    t.kind === 'absolute'
      ? `${formatValue(t.estimate, t.unit)} ${formatInterval(t.ci, (v) => formatValue(v, t.unit))}; bound ${formatValue(t.threshold, t.unit)}`
      : `change ${formatChange(t.estimate)} ${formatInterval(t.ci, formatChange)}; bound ${formatChange(t.threshold)}`;
  // The expression and note come from results.json (a fork's workflow may have written it): one line,
  // no hidden characters, mentions and references defused (see report/untrusted-text.ts).
  return `${defusedPlainText(t.expression)}: ${estimate}${t.note ? `. ${defusedPlainText(t.note, 1000)}` : ''}`;
}

/**
 * One annotation per missed target ('failure') and per undecided one ('warning': inconclusive or
 * no data), on the line of the config file where it is written.
 */
export function targetAnnotations(
  results: Pick<Results, 'targets'>,
  config: { path: string; text: string },
): CheckAnnotation[] {
  const lines = targetLines(config.text);
  const annotations: CheckAnnotation[] = [];
  for (const t of results.targets) {
    if (t.status === 'pass') continue;
    const line = lines.get(t.expression.trim().replace(/\s+/g, ' '));
    if (line === undefined) continue;
    const missed = t.status === 'fail';
    annotations.push({
      path: config.path,
      start_line: line,
      end_line: line,
      annotation_level: missed ? 'failure' : 'warning',
      title: missed
        ? 'perf-gate: target missed'
        : t.status === 'no-data'
          ? 'perf-gate: no data for target'
          : 'perf-gate: target inconclusive',
      message: describe(t),
    });
  }
  return annotations.slice(0, MAX_ANNOTATIONS_PER_REQUEST);
}

/**
 * One annotation per squawk finding on the pending migrations, at the file and line squawk gave. Lint
 * findings advise, they do not decide the gate: an 'error' finding is a 'warning' annotation and a
 * 'warning' finding a 'notice'. `workspacePath` turns a finding's file (as squawk was given it, relative to
 * the config's folder or absolute) into a path of the repository, or undefined when it lies outside it:
 * those findings get no annotation. The text comes from results.json, so it is defused like the rest.
 */
export function migrationLintAnnotations(
  results: Pick<Results, 'migrationLint'>,
  workspacePath: (file: string) => string | undefined,
): CheckAnnotation[] {
  const annotations: CheckAnnotation[] = [];
  for (const finding of results.migrationLint?.findings ?? []) {
    const path = workspacePath(finding.file);
    if (!path || !(Number.isInteger(finding.line) && finding.line >= 1)) continue;
    const help = finding.help ? ` ${finding.help}` : '';
    annotations.push({
      path,
      start_line: finding.line,
      end_line: finding.line,
      annotation_level: finding.level === 'error' ? 'warning' : 'notice',
      title: `squawk: ${defusedPlainText(finding.rule, 100)}`,
      message: defusedPlainText(`${finding.message}${help}`, 1000),
    });
  }
  return annotations.slice(0, MAX_ANNOTATIONS_PER_REQUEST);
}

/**
 * The config path relative to the workspace (the repository checkout), with forward slashes, or
 * undefined when it lies outside: GitHub can only annotate files of the repository. Outside means
 * by name or once symlinks are followed (isInside, the one confinement rule), so a symlink in the
 * workspace that points elsewhere is never read.
 */
export function workspaceRelativePath(configPath: string, workspace: string, cwd: string): string | undefined {
  const absolute = resolve(cwd, configPath);
  const inside = relative(resolve(workspace), absolute);
  if (!inside || inside.startsWith('..') || isAbsolute(inside) || !isInside(absolute, workspace)) return undefined;
  return inside.split(sep).join('/');
}
