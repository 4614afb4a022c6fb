// The rerank step: a deterministic, CPU-bound stand-in for a cross-encoder. It embeds the query
// and each candidate with hashed character trigrams, runs the pair through a small fixed
// recurrent mixer for `work` rounds, and blends the result with the retrieval score. The cost is
// real arithmetic proportional to work x candidates (no sleeps). Pure: same inputs, same order
// and scores. `burnWork` and `burnSteps` reuse the mixer for SLOWDOWN's and EXTRA_WORK_MS's injected work.

const DIM = 64;

// Fixed weights from a seeded generator (mulberry32, a public-domain 32-bit PRNG), so every
// process on every machine reranks identically.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIGHTS = (() => {
  const next = mulberry32(20240622);
  const w = new Float64Array(DIM * DIM);
  // Scaled so the recurrence stays bounded (spectral radius below 1 on average).
  for (let i = 0; i < w.length; i += 1) w[i] = (next() * 2 - 1) / Math.sqrt(DIM);
  return w;
})();
const READOUT = (() => {
  const next = mulberry32(7);
  return Float64Array.from({ length: DIM }, () => next() * 2 - 1);
})();

/** Hashed bag of character trigrams, L2-normalized. */
export function embed(text) {
  const v = new Float64Array(DIM);
  const padded = ` ${text} `;
  for (let i = 0; i + 3 <= padded.length; i += 1) {
    // FNV-1a over the three UTF-16 code units.
    let h = 0x811c9dc5;
    for (let j = i; j < i + 3; j += 1) h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193);
    v[(h >>> 0) % DIM] += 1;
  }
  let norm = 0;
  for (let i = 0; i < DIM; i += 1) norm += v[i] * v[i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < DIM; i += 1) v[i] /= norm;
  return v;
}

/**
 * Relevance of one document to the query in [0, 1] after `rows` matrix rows of mixing (a work
 * unit is one round of DIM rows).
 */
function crossScore(queryVec, docVec, rows) {
  let state = new Float64Array(DIM);
  let next = new Float64Array(DIM);
  for (let i = 0; i < DIM; i += 1) state[i] = queryVec[i] * docVec[i] * DIM;
  let done = 0;
  while (done < rows) {
    const thisRound = Math.min(DIM, rows - done);
    for (let r = 0; r < thisRound; r += 1) {
      let sum = queryVec[r] + docVec[r];
      const base = r * DIM;
      for (let c = 0; c < DIM; c += 1) sum += WEIGHTS[base + c] * state[c];
      next[r] = Math.tanh(sum);
    }
    for (let r = thisRound; r < DIM; r += 1) next[r] = state[r];
    [state, next] = [next, state];
    done += thisRound;
  }
  let out = 0;
  for (let i = 0; i < DIM; i += 1) out += READOUT[i] * state[i];
  return 1 / (1 + Math.exp(-out));
}

/** Rows of mixing per candidate for a RERANK_WORK setting. */
export function rerankRows(work) {
  return work * DIM;
}

/**
 * Runs mixing rounds until `done()` says stop, checking every round (~5 us), and returns a value
 * derived from the state so the work cannot be optimized away. For SLOWDOWN only.
 */
export function burnWork(done) {
  const seed = embed('perf-gate slowdown');
  let acc = 0;
  let rounds = 0;
  while (!done()) {
    acc += crossScore(seed, seed, DIM);
    rounds += 1;
  }
  return { rounds, checksum: acc };
}

/**
 * Runs exactly `steps` mixing rounds (the same rounds as burnWork) and returns a value derived from
 * the state. For EXTRA_WORK_MS: a fixed amount of work per request, whatever the clock says.
 */
export function burnSteps(steps) {
  const seed = embed('perf-gate extra work');
  let acc = 0;
  for (let i = 0; i < steps; i += 1) acc += crossScore(seed, seed, DIM);
  return acc;
}

/**
 * Mixing rounds per millisecond of CPU, measured once at start over about `sampleMs`: the fastest of
 * many 10 ms slices of wall time, after a warm-up long enough for the JIT to have compiled the loop.
 * A slice in which nothing preempted the process runs at the CPU's own speed, so the fastest one is
 * the rate per CPU millisecond; slower slices (another process, a GC, the database pool connecting on
 * other threads) only lower their own rate. Process CPU time was tried first and undercounted the
 * rate by up to half on a busy machine: it counts every thread of the process, and a timer read every
 * 100 rounds is part of what it times. EXTRA_WORK_MS is turned into a fixed number of rounds with it.
 */
export function stepsPerCpuMs(sampleMs = 200) {
  burnSteps(5000); // compiled and optimised before anything is timed
  let best = 0;
  const deadline = performance.now() + sampleMs;
  while (performance.now() < deadline) {
    const start = performance.now();
    let steps = 0;
    while (performance.now() - start < 10) {
      burnSteps(200);
      steps += 200;
    }
    best = Math.max(best, steps / (performance.now() - start));
  }
  return best;
}

/**
 * @param {string} query normalized query
 * @param {Array<{id: number, title: string, body: string, score: number}>} candidates
 * @param {{ work: number }} effort
 * @returns candidates with `rerankScore`, best first (ties broken by id, so the order is total)
 */
export function rerank(query, candidates, effort) {
  const rows = rerankRows(effort.work);
  const queryVec = embed(query);
  return candidates
    .map((candidate) => {
      const model = crossScore(queryVec, embed(`${candidate.title} ${candidate.body}`), rows);
      return { ...candidate, rerankScore: 0.5 * candidate.score + 0.5 * model };
    })
    .sort((a, b) => b.rerankScore - a.rerankScore || a.id - b.id);
}
