export { main, EXIT } from './main.ts';
export type { Output } from './output.ts';
/** For tools/bench: the exact helm requests `validate` makes, and the helm runner it uses. */
export { plan, templateJobs, type TemplateJob } from './pipeline.ts';
export { findRoot, loadWorkspace } from './io/workspace.ts';
export { defaultConcurrency, helmTemplate, helmVersion, pool } from './io/helm.ts';
