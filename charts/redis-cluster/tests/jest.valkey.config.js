import base from './jest.config.js';

/**
 * The Valkey leg of the engine matrix (nx target `test-valkey`, REDIS_TESTKIT_ENGINE=valkey): the
 * behaviour suites that prove what differs between the engines (binary names, INFO fields, the RDB
 * format, the data that must come back) run again on Valkey 8.0; the render tests are
 * engine-independent and run once. The other suites (data safety, scale, TLS, ACL, rotation, remote backups and drills)
 * stay on Redis in the test command, to keep it within its 25-minute budget on 2 cores; any suite runs on Valkey by hand:
 * `REDIS_TESTKIT_ENGINE=valkey npx jest -c charts/redis-cluster/tests/jest.config.js behaviour/<suite>`.
 */
// bootstrap.test.ts is not in the list: every Valkey suite here creates its cluster with the chart's
// bootstrap Job, and failover.test.ts also restarts it on new IPs; the bootstrap suite's own cases
// (explicit layouts, a killed Job, a refused reshape) cost 1.5 min of the 25-minute budget.
export const VALKEY_SUITES = ['failover', 'backup'];

// One file at a time: this leg runs beside the other charts' tests (nx --parallel=2).
export default { ...base, testMatch: VALKEY_SUITES.map((s) => `<rootDir>/behaviour/${s}.test.ts`), maxWorkers: 1 };
