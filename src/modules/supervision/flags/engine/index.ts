/** The collusion-flag engine: pure functions from plain input records to flags (no Nest, no database). */
export * from './flag.types';
export * from './flag-catalogue';
export * from './thresholds';
export * from './normalize';
export * from './quantiles';
export * from './structural';
export * from './prices';
export * from './expert-scoring';
export * from './cross-tender';
export * from './tender-flags';
export * from './lots';
export * from './cardinal-indicators';
