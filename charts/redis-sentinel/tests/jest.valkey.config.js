import base from './jest.config.js';

/**
 * The Valkey leg of the engine matrix (nx target `test-valkey`, REDIS_TESTKIT_ENGINE=valkey): the
 * behaviour suites that prove what differs between the engines (binary names, INFO fields, the RDB
 * format, the data that must come back) run again on Valkey 8.0; the render tests are
 * engine-independent and run once. The slow fault suites (data safety, restarts, TLS rotation) stay on Redis in
 * the test command, to keep it within its time budget; any suite runs on Valkey by hand:
 * `REDIS_TESTKIT_ENGINE=valkey npx jest -c charts/redis-sentinel/tests/jest.config.js behaviour/<suite>`.
 */
export const VALKEY_SUITES = ['failover', 'backup', 'remote-backup', 'drill', 'acl', 'haproxy'];

export default { ...base, testMatch: VALKEY_SUITES.map((s) => `<rootDir>/behaviour/${s}.test.ts`) };
