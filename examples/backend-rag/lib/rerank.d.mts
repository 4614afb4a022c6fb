// Types for rerank.mjs, so the TypeScript tests can import the pure step.
export interface RerankCandidate {
  id: number;
  title: string;
  body: string;
  score: number;
}
export function embed(text: string): Float64Array;
export function rerankRows(work: number): number;
export function burnWork(done: () => boolean): { rounds: number; checksum: number };
export function burnSteps(steps: number): number;
export function stepsPerCpuMs(sampleMs?: number): number;
export function rerank<T extends RerankCandidate>(
  query: string,
  candidates: T[],
  effort: { work: number },
): Array<T & { rerankScore: number }>;
