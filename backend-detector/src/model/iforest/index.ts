export { IsolationForest, IFOREST_FORMAT, IFOREST_VERSION } from './forest';
export type { IsolationForestOptions, SerializedForest } from './forest';
export { averagePathLength } from './pathLength';
export { Prng } from './prng';
