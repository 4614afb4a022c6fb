import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonFileText, writeFileAtomic, writeFileAtomicAsync, writeJsonAtomic } from '../../src/atomic-file.js';

const folders: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-gate-atomic-'));
  folders.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('atomic run files', () => {
  it('a reader polling the file while it is rewritten always parses a whole version', async () => {
    // The shape of rounds.json during a bench: rewritten after every round while `perf-gate` stage
    // processes and the user's own scripts poll it. A plain writeFile truncates first and writes in
    // chunks, so a reader of a file this size catches it empty or cut off.
    const path = join(scratch(), 'rounds.json');
    const rounds = Array.from({ length: 4000 }, (_, i) => ({
      index: i,
      variant: i % 2 ? 'candidate' : 'baseline',
      samples: Array.from({ length: 40 }, (_, j) => i * j),
    }));
    await writeFileAtomicAsync(path, jsonFileText(rounds.slice(0, 1)));
    let writing = true;
    const writer = (async () => {
      for (let n = 2; n <= 40; n++) await writeFileAtomicAsync(path, jsonFileText(rounds.slice(0, n * 100)));
      writing = false;
    })();
    let reads = 0;
    const lengths = new Set<number>();
    while (writing) {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown[];
      lengths.add(parsed.length);
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(10);
    // The reader saw the file change under it, and every read was a complete version.
    expect(lengths.size).toBeGreaterThan(1);
    expect((JSON.parse(readFileSync(path, 'utf8')) as unknown[]).length).toBe(4000);
  });

  it('a failed write leaves the previous version and no temporary file behind', () => {
    const dir = scratch();
    const path = join(dir, 'results.json');
    writeJsonAtomic(path, { verdict: 'pass' });
    // A folder in the way of the rename: the write fails after the temporary file was written.
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    expect(() => writeFileAtomic(blocked, 'x')).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'results.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ verdict: 'pass' });
  });

  it('creates the folder, writes 0600 unless told otherwise, and ends JSON with a newline', () => {
    const dir = join(scratch(), 'a', 'b');
    writeJsonAtomic(join(dir, 'state.json'), { runId: 'r1' });
    writeFileAtomic(join(dir, 'report.md'), '# report\n', { mode: 0o644 });
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'report.md')).mode & 0o644).toBe(0o644);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{\n  "runId": "r1"\n}\n');
  });
});
