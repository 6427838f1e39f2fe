/**
 * The floor of `validate`: the same `helm template` invocations (same charts, releases, namespaces
 * and generated values on stdin), through the same io/helm.ts and the same pool size, with nothing
 * else around them. Planning happens before the clock starts. Prints one JSON line:
 * `{"ms": <wall of the renders>, "renders": <count>, "failed": <non-zero exits>, "concurrency": <pool size>}`.
 *
 *   node tools/bench/helm-floor.ts [--concurrency N] [--env NAME]...   (workspace: REDIS_GITOPS_ROOT or cwd)
 *
 * With --env, only that environment's renders (the floor of `validate --env NAME`).
 */
import { defaultConcurrency, findRoot, helmTemplate, loadWorkspace, plan, pool, templateJobs } from 'redis-gitops';

const flag = process.argv.indexOf('--concurrency');
const concurrency = flag > 0 ? Number(process.argv[flag + 1]) : defaultConcurrency();
const envs = process.argv.flatMap((a, i) => (a === '--env' && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
const root = findRoot();
const requests = templateJobs(root, plan(loadWorkspace(root, envs))).map((j) => j.request);
const started = performance.now();
const results = await pool(
  concurrency,
  requests.map((req) => () => helmTemplate(req)),
);
const ms = performance.now() - started;
console.log(JSON.stringify({ ms: Math.round(ms), renders: results.length, failed: results.filter((r) => r.code !== 0).length, concurrency }));
