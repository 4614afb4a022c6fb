/**
 * Which hdr-histogram-js variant should the load engine record into?
 * Records the same pseudo-random latencies (µs) into each candidate and prints ns per record and footprint.
 * Run: npx tsx bench/load-histogram.ts
 */
import * as hdr from 'hdr-histogram-js';

type Candidate = { name: string; bitBucketSize: hdr.BitBucketSize; useWebAssembly: boolean };
const candidates: Candidate[] = [
  { name: 'js int32', bitBucketSize: 32, useWebAssembly: false },
  { name: 'js packed', bitBucketSize: 'packed', useWebAssembly: false },
  { name: 'wasm int32', bitBucketSize: 32, useWebAssembly: true },
  { name: 'wasm packed', bitBucketSize: 'packed', useWebAssembly: true },
];

await hdr.initWebAssembly();
const count = 2_000_000;
// A seeded LCG so each variant gets the same values: lognormal-ish latencies from 200 µs to several seconds.
const values = new Float64Array(count);
let state = 12345;
for (let i = 0; i < count; i++) {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  const u = state / 2 ** 32;
  values[i] = Math.max(1, Math.round(200 * Math.exp(u * u * 9)));
}
for (const candidate of candidates) {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: candidate.bitBucketSize,
    useWebAssembly: candidate.useWebAssembly,
  });
  for (let i = 0; i < 100_000; i++) histogram.recordValue(values[i]!); // warm the JIT
  histogram.reset();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) histogram.recordValue(values[i]!);
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const p99Started = process.hrtime.bigint();
  const p99 = histogram.getValueAtPercentile(99);
  const percentileNs = Number(process.hrtime.bigint() - p99Started);
  console.log(
    `${candidate.name.padEnd(12)} ${(elapsedNs / count).toFixed(1).padStart(6)} ns/record  ` +
      `footprint ${(histogram.estimatedFootprintInBytes / 1024).toFixed(0).padStart(5)} KiB  ` +
      `p99 ${p99} µs (query ${(percentileNs / 1e6).toFixed(2)} ms)`,
  );
  histogram.destroy();
}
