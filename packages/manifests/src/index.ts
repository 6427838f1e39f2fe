export type * from './finding.ts';
export type * from './rendered-object.ts';
export * from './format-finding.ts';
export * from './parse-manifests.ts';
export * from './check-objects.ts';
export * from './find-duplicates.ts';
export * from './model-registry.ts';
export * from './manifest-diff.ts';
