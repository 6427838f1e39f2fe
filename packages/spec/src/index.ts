export type * from './types.ts';
export * from './yaml-source.ts';
export * from './schema-check.ts';
export * from './slots.ts';
export * from './profiles.ts';
export * from './resolve.ts';
export * from './clusters.ts';
export * from './environment.ts';
