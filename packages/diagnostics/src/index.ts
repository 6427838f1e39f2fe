export * from './diagnostic.ts';
export * from './closest-match.ts';
export * from './by-code-point.ts';
