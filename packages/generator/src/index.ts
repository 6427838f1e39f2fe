export type * from './values/common-values.ts';
export type * from './values/redis-cluster-values.ts';
export * from './chart-values.ts';
export * from './redis-cluster.ts';
export * from './generate.ts';
export * from './templates.ts';
export * from './check-chart-values.ts';
