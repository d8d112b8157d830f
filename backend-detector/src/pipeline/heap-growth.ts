import { setFlagsFromString } from 'node:v8';

/**
 * Sets how far V8 lets the old generation grow past what the last full collection kept
 * before it starts marking again (ANOMALYLENS_HEAP_GROWING_PERCENT; 0 leaves V8's choice).
 *
 * Why: V8 sizes that headroom from how fast marking ran compared with how fast the heap
 * grew. The detector's models are a large, long-lived heap and most of the marking runs on
 * V8's helper threads, so V8 judges marking cheap and picks a factor near 1.3; with ~75 MB
 * kept at 10,000 series that leaves less headroom than the young generation, and V8 then
 * starts the next marking as soon as the last one ends (47 full collections a minute at
 * 20,000 points/s). At 100 % it was 9 a minute and the detector's CPU per point fell by
 * about a fifth (e2e-budget bench). The cost is a JavaScript heap up to twice the live size
 * between collections, ~7 KB per series at 10,000 series.
 *
 * V8 reads the flag at every collection, so setting it at start-up is enough.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
