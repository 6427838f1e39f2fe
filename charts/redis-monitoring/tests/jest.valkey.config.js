import base from './jest.config.js';

/**
 * The Valkey leg of the engine matrix (nx target `test-valkey`, REDIS_TESTKIT_ENGINE=valkey): every
 * metric the alerts and dashboards use must be served by the real exporter scraping Valkey 8.0
 * (live-metrics), and the incidents whose alerts read the INFO fields most likely to differ between
 * engines (maxclients, evictions, a failed BGSAVE and AOF rewrite, replication lag) fire and resolve
 * in a real Prometheus (e2e/redis-incidents). The render and rule tests are engine-independent and
 * run once; the other e2e files run on Valkey by hand, to keep the test command in budget:
 * `REDIS_TESTKIT_ENGINE=valkey npx jest -c charts/redis-monitoring/tests/jest.config.js e2e/<file>`.
 */
export const VALKEY_SUITES = ['live-metrics', 'e2e/redis-incidents'];

// One file at a time: this leg runs beside the other charts' tests (nx --parallel=2).
export default { ...base, testMatch: VALKEY_SUITES.map((s) => `<rootDir>/${s}.test.ts`), maxWorkers: 1 };
