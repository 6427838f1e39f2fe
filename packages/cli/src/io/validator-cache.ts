/**
 * The on-disk validator store of @redis-gitops/spec (setValidatorStore): ajv's standalone code of
 * every JSON schema the CLI has compiled, one CommonJS file per schema content, in the validators/
 * folder of the CLI's cache (io/cache-dir.ts: node_modules/.cache/redis-gitops). Compiling
 * the environment and chart schemas took most of a one-environment `validate`; a later run
 * requires the saved file instead. The key digests the schema, ajv's version and options, so an
 * edited schema is compiled afresh and never checked by a stale validator.
 *
 * A store that cannot be read or written is silently skipped: it only ever costs the compile it
 * would save.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setValidatorStore, type ValidatorStore } from '@redis-gitops/spec';
import type { ValidateFunction } from 'ajv';
import { cacheDir, writeCacheEntry } from './cache-dir.ts';

const require = createRequire(import.meta.url);

/** A ValidatorStore over `dir`: `<key>.cjs` files, written through a temporary file and a rename. */
export function fileValidatorStore(dir: string): ValidatorStore {
  // The saved code requires ajv's runtime helpers (e.g. ajv/dist/runtime/ucs2length); resolve them from here.
  const ajvRuntime = path.dirname(require.resolve('ajv/dist/runtime/ucs2length'));
  return {
    load(key) {
      try {
        const fn = require(path.join(dir, `${key}.cjs`)) as ValidateFunction;
        return typeof fn === 'function' ? fn : undefined;
      } catch {
        return undefined;
      }
    },
    save(key, code) {
      writeCacheEntry(
        path.join(dir, `${key}.cjs`),
        code.replace(/require\("ajv\/dist\/runtime\/([\w-]+)"\)/g, (_, m: string) => `require(${JSON.stringify(path.join(ajvRuntime, m))})`),
      );
    },
  };
}

/** Turns the store on for this process (the CLI does it once, at start). */
export function useValidatorCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = cacheDir(env);
  const dir = base && path.join(base, 'validators');
  setValidatorStore(dir ? fileValidatorStore(dir) : undefined);
  return dir;
}
