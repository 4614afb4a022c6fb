import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { createRequestPicker } from '../../src/load/request-picker.js';
import { parseWorkload, parseWorkloadJsonl } from '../../src/load/workload.js';
import { loadWorkloadFile } from '../../src/load/workload-file.js';

describe('parseWorkload', () => {
  it('normalizes methods and header names and turns JSON bodies into text with a content type', () => {
    const workload = parseWorkload(
      {
        requests: [
          { method: 'post', path: '/search', headers: { 'X-Team': 'rag' }, body: { q: 'pool size' }, weight: 3 },
        ],
      },
      'perf-gate.yml',
    );
    expect(workload.requests[0]).toEqual({
      method: 'POST',
      path: '/search',
      headers: { 'x-team': 'rag', 'content-type': 'application/json' },
      body: '{"q":"pool size"}',
      weight: 3,
    });
    expect(workload.order).toBe('weighted');
  });

  it('keeps an explicit content type and a string body as given', () => {
    const workload = parseWorkload(
      { requests: [{ method: 'PUT', path: '/x', headers: { 'Content-Type': 'text/csv' }, body: 'a,b' }] },
      'w.json',
    );
    expect(workload.requests[0]!.headers).toEqual({ 'content-type': 'text/csv' });
    expect(workload.requests[0]!.body).toBe('a,b');
  });

  it.each([
    [{ requests: [] }, /w\.json: requests: got \[\]/],
    [{ request: [{ method: 'GET', path: '/' }] }, /w\.json: key 'request'/],
    [
      { requests: [{ method: 'GTE', path: '/' }] },
      /w\.json: requests\[0\]\.method: got "GTE"; expected one of GET, POST/,
    ],
    [{ requests: [{ method: 'GET', path: '/', header: {} }] }, /requests\[0\]: key 'header'/],
    [{ requests: [{ method: 'GET', path: 'search' }] }, /requests\[0\]\.path: got "search"/],
    [
      {
        requests: [
          { method: 'GET', path: '/' },
          { method: 'GET', path: '/', weight: 0 },
        ],
      },
      /requests\[1\]\.weight: got 0; expected a positive number/,
    ],
    [
      { requests: [{ method: 'GET', path: '/', headers: { 'x-n': 5 } }] },
      /requests\[0\]\.headers\.x-n: got 5; expected a string/,
    ],
    // What undici would refuse at send time is refused here, where the message can name the request.
    [
      { requests: [{ method: 'GET', path: '/search?q=größe' }] },
      /requests\[0\]\.path: got "\/search\?q=größe"; expected .*percent-encode/,
    ],
    [{ requests: [{ method: 'GET', path: '/search?q=größe€' }] }, /requests\[0\]\.path: got "\/search\?q=größe€"/],
    [{ requests: [{ method: 'GET', path: '/a\tb' }] }, /requests\[0\]\.path: got "\/a\\tb"/],
    [
      { requests: [{ method: 'GET', path: '/', headers: { 'X-Trace': 'a\r\nInjected: 1' } }] },
      /requests\[0\]\.headers\.X-Trace: got "a\\r\\nInjected: 1"; expected a value without line breaks/,
    ],
    [
      { requests: [{ method: 'GET', path: '/', headers: { Connection: 'close' } }] },
      /requests\[0\]\.headers: got "Connection"; expected any header except connection, content-length, expect, keep-alive, transfer-encoding, upgrade/,
    ],
    [
      { requests: [{ method: 'POST', path: '/', headers: { 'Transfer-Encoding': 'chunked' }, body: 'x' }] },
      /got "Transfer-Encoding"/,
    ],
  ])('refuses %j naming the file and key', (data, message) => {
    expect(() => parseWorkload(data, 'w.json')).toThrow(InputError);
    expect(() => parseWorkload(data, 'w.json')).toThrow(message);
  });
});

describe('parseWorkloadJsonl', () => {
  it('reads one request per line, skipping blank lines', () => {
    const text = '{"method":"GET","path":"/a"}\n\n{"method":"POST","path":"/b","body":{"q":1}}\n';
    const workload = parseWorkloadJsonl(text, 'queries.jsonl');
    expect(workload.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /a', 'POST /b']);
    expect(workload.order).toBe('sequential');
  });

  it('names the file and the editor line number of a broken line', () => {
    const text = '{"method":"GET","path":"/a"}\n\n{"method":"GET","path":"/b"\n';
    expect(() => parseWorkloadJsonl(text, 'queries.jsonl')).toThrow(/^queries\.jsonl:3: not valid JSON/);
    expect(() => parseWorkloadJsonl('{"method":"GET","path":"/a","weight":2}', 'q.jsonl')).toThrow(
      /q\.jsonl:1: key 'weight'/,
    );
    expect(() => parseWorkloadJsonl('\n\n', 'empty.jsonl')).toThrow(/empty\.jsonl: no requests/);
  });
});

describe('loadWorkloadFile', () => {
  it('reads JSONL, JSON and YAML files from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'perf-gate-workload-'));
    await writeFile(join(dir, 'q.jsonl'), '{"method":"GET","path":"/a"}\n{"method":"GET","path":"/b"}\n');
    await writeFile(
      join(dir, 'mix.yaml'),
      'requests:\n  - { method: GET, path: /health, weight: 1 }\n  - { method: POST, path: /ask, body: { q: hi }, weight: 9 }\n',
    );
    await writeFile(join(dir, 'mix.json'), '{"requests":[{"method":"GET","path":"/"}]}');
    expect((await loadWorkloadFile(join(dir, 'q.jsonl'), { order: 'shuffled' })).order).toBe('shuffled');
    expect((await loadWorkloadFile(join(dir, 'mix.yaml'))).requests[1]!.body).toBe('{"q":"hi"}');
    expect((await loadWorkloadFile(join(dir, 'mix.json'))).requests).toHaveLength(1);
    await expect(loadWorkloadFile(join(dir, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: cannot be read/);
    await writeFile(join(dir, 'bad.json'), '{"requests": [');
    await expect(loadWorkloadFile(join(dir, 'bad.json'))).rejects.toThrow(InputError);
  });
});

describe('createRequestPicker', () => {
  const mix = parseWorkload(
    {
      requests: [
        { method: 'GET', path: '/rare', weight: 1 },
        { method: 'GET', path: '/common', weight: 9 },
      ],
    },
    'mix',
  );

  it('draws requests in proportion to their weights, identically for the same seed', () => {
    const draw = (seed: number) => {
      const pick = createRequestPicker(mix, seed);
      return Array.from({ length: 20_000 }, () => pick().path);
    };
    const first = draw(7);
    expect(draw(7)).toEqual(first);
    expect(draw(8)).not.toEqual(first);
    const common = first.filter((p) => p === '/common').length / first.length;
    // 9 of 10 in expectation; 20,000 draws put 4 standard deviations at about +-0.009.
    expect(common).toBeGreaterThan(0.88);
    expect(common).toBeLessThan(0.92);
  });

  it('replays in order, or shuffled with every request once per pass', () => {
    const text = ['/1', '/2', '/3', '/4', '/5'].map((path) => JSON.stringify({ method: 'GET', path })).join('\n');
    const inOrder = createRequestPicker(parseWorkloadJsonl(text, 'q.jsonl'), 1);
    expect(Array.from({ length: 7 }, () => inOrder().path)).toEqual(['/1', '/2', '/3', '/4', '/5', '/1', '/2']);

    const shuffledWorkload = parseWorkloadJsonl(text, 'q.jsonl', 'shuffled');
    const pick = createRequestPicker(shuffledWorkload, 3);
    const passes = [0, 1, 2].map(() => Array.from({ length: 5 }, () => pick().path));
    for (const pass of passes) expect([...pass].sort()).toEqual(['/1', '/2', '/3', '/4', '/5']);
    expect(passes.some((pass) => pass.join() !== '/1,/2,/3,/4,/5')).toBe(true);
    const again = createRequestPicker(shuffledWorkload, 3);
    expect(Array.from({ length: 15 }, () => again().path)).toEqual(passes.flat());
  });
});
