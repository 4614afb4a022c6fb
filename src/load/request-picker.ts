/**
 * Chooses the next request of a workload. Pure apart from its own seeded state: the same workload and seed
 * give the same sequence, so a round can be replayed exactly.
 */
import { seededRandom, shuffled } from './seeded-random.js';
import type { Workload, WorkloadRequest } from './workload.js';

export type RequestPicker = () => WorkloadRequest;

export function createRequestPicker(workload: Workload, seed: number): RequestPicker {
  const requests = workload.requests;
  if (requests.length === 1) {
    const only = requests[0]!;
    return () => only;
  }
  const random = seededRandom(seed);
  switch (workload.order) {
    case 'sequential': {
      let next = 0;
      return () => {
        const request = requests[next]!;
        next = next + 1 === requests.length ? 0 : next + 1;
        return request;
      };
    }
    case 'shuffled': {
      let pass = shuffled(requests, random);
      let next = 0;
      return () => {
        if (next === pass.length) {
          pass = shuffled(requests, random);
          next = 0;
        }
        return pass[next++]!;
      };
    }
    case 'weighted': {
      // Cumulative weights + binary search: O(log n) per pick, exact proportions in expectation.
      const cumulative: number[] = [];
      let total = 0;
      for (const request of requests) {
        total += request.weight;
        cumulative.push(total);
      }
      return () => {
        const target = random() * total;
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cumulative[mid]! > target) hi = mid;
          else lo = mid + 1;
        }
        return requests[lo]!;
      };
    }
  }
}
