#!/usr/bin/env node
// Entry point of the redis-gitops CLI. Runs the TypeScript sources directly (Node 24 strips types).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`redis-gitops needs Node.js 24 or newer (this is ${process.versions.node}). Run it through npx or npm scripts so node_modules/.bin/node is used.`);
  process.exit(2);
}
// `redis-gitops render ... | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
// Cache the type-stripped and compiled modules between runs (Node's compile cache, in the OS temp
// folder unless NODE_COMPILE_CACHE names one): a CLI start costs about a fifth less CPU. The cache
// is keyed by file content, so an edited source is never run stale.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
/** The CLI, loaded: keeps compiled JSON-schema validators between runs too (node_modules/.cache/redis-gitops). */
async function loadMain() {
  const [{ main }, { useValidatorCache }] = await Promise.all([import('../src/main.ts'), import('../src/io/validator-cache.ts')]);
  useValidatorCache();
  return main;
}
const argv = process.argv.slice(2);
const server = await import('../src/io/server.ts');
if (argv[0] === '__serve') {
  // The background server process (src/io/server.ts), started by an earlier run.
  await server.runServer(argv[1], loadMain, argv[2]);
} else {
  // A running server answers validate, render, diff and generate without loading the CLI again.
  const served = await server.viaServer(argv);
  if (served !== undefined) process.exitCode = served;
  else {
    try {
      process.exitCode = await (await loadMain())(argv);
    } catch (err) {
      // Not bad input and not a violation: a bug. Exit 3 keeps it apart from 1 and 2.
      console.error(`redis-gitops: internal error (please report): ${err?.stack ?? err}`);
      process.exitCode = 3;
    }
  }
}
