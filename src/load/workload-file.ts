/**
 * Reads a workload file from disk: the thin shell around the pure parsers in workload.ts.
 * `.jsonl` / `.ndjson` files are recorded queries (one request per line); `.json`, `.yaml` and `.yml` hold a
 * `{ requests: [...] }` mix.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { errorMessage, InputError } from '../errors.js';
import {
  jsonErrorWithoutText,
  parseWorkload,
  parseWorkloadJsonl,
  type Workload,
  type WorkloadOrder,
} from './workload.js';

export interface LoadWorkloadFileOptions {
  /** Defaults: `weighted` for a mix, `sequential` for JSONL. */
  order?: WorkloadOrder;
  /** Injected for tests; defaults to reading UTF-8 from disk. */
  readFile?: (path: string) => Promise<string>;
}

export async function loadWorkloadFile(path: string, options: LoadWorkloadFileOptions = {}): Promise<Workload> {
  const read = options.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    throw new InputError(`workload file ${path}: cannot be read (${errorMessage(error)})`, { cause: error });
  }
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return parseWorkloadJsonl(text, path, options.order);
  let data: unknown;
  try {
    data = lower.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // Only the first line: the JSON excerpt and YAML's pretty-printed source lines would quote the file.
    const why = lower.endsWith('.json') ? jsonErrorWithoutText(error) : errorMessage(error).split('\n')[0];
    throw new InputError(`${path}: not valid ${lower.endsWith('.json') ? 'JSON' : 'YAML'} (${why})`);
  }
  return parseWorkload(data, path, options.order);
}
