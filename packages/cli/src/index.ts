export { main, EXIT } from './main.ts';
export type { Output } from './output.ts';
