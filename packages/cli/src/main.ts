/**
 * redis-gitops command line. Exit codes: 0 ok, 1 violations found, 2 bad input or usage; the bin
 * script turns an unexpected exception into 3 (internal error). Each command's module is loaded
 * only when that command runs, so `--help` and usage errors do not load the whole pipeline.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatDiagnostic, InputError } from '@redis-gitops/diagnostics';
import { HelmMissingError } from './io/helm.ts';
import { UsageError } from './io/usage-error.ts';
import type { Output } from './output.ts';
import { processOutput } from './output.ts';

export const EXIT = { ok: 0, violations: 1, badInput: 2 } as const;

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly positionals?: boolean;
  run(values: Record<string, unknown>, out: Output, positionals: string[]): Promise<number>;
}

const envOption = { type: 'string', multiple: true, short: 'e' } as const;
const jsonOption = { type: 'boolean' } as const;

const COMMANDS: Record<string, Command> = {
  generate: {
    summary: 'write environments/<env>/generated/ from each environment spec',
    usage: 'redis-gitops generate [--env NAME]... [--check] [--json]',
    details: `Turns each environments/<env>/environment.yaml into Helm values per chart under
environments/<env>/generated/. Writes are atomic: when anything fails, no file changes.

Options:
  -e, --env NAME   only this environment (repeatable); default: all
  --check          write nothing; exit 1 with a diff when committed files are stale
  --json           machine-readable result on stdout`,
    options: { env: envOption, check: { type: 'boolean' }, json: jsonOption },
    run: async (v, out) => (await import('./commands/generate.ts')).runGenerate({ envs: (v.env as string[]) ?? [], check: Boolean(v.check), json: Boolean(v.json) }, out),
  },
  validate: {
    summary: 'check specs, generated drift, helm renders and Kubernetes schemas',
    usage: 'redis-gitops validate [--env NAME]... [--json | --markdown] [--base REF] [--published DIR] [--concurrency N]',
    details: `For each environment: parse and check the spec, generate in memory and compare with the
committed generated/ files, render every chart with the real helm, and check every rendered
object against the Kubernetes and CRD schemas (unknown fields included), then run the
policies in policies/ (ValidatingAdmissionPolicies evaluated offline, as bound to the
environment's tier) and the manifest-set checks. Then each chart the environments use is
packaged and compared with the package of the same version in the published chart repository:
a chart changed without a version bump is an error, because Argo CD installs the published
package. The report ends with what was checked. Exit 1 on any error (a Deny violation).

Options:
  -e, --env NAME     only this environment (repeatable); default: all
  --json             machine-readable report on stdout
  --markdown         the report as Markdown, for a pull-request comment
  --base REF         also compare each environment's objects with git REF: objects added,
                     changed and removed, and updates Kubernetes refuses (a StatefulSet's
                     volumeClaimTemplates, selector, serviceName, podManagementPolicy; a
                     Job's template) as warnings with the RUNBOOK procedure
  --published DIR    the published chart repository, e.g. a gh-pages checkout (default:
                     dist/charts, where publish writes). When DIR does not exist the chart
                     versions are not checked, and the report says so.
  --concurrency N    helm processes at once (default: number of CPU cores)`,
    options: { env: envOption, json: jsonOption, markdown: { type: 'boolean' }, base: { type: 'string' }, published: { type: 'string' }, concurrency: { type: 'string' } },
    run: async (v, out) =>
      (await import('./commands/validate.ts')).runValidate(
        {
          envs: (v.env as string[]) ?? [],
          json: Boolean(v.json),
          markdown: Boolean(v.markdown),
          ...(v.base ? { base: v.base as string } : {}),
          published: (v.published as string) ?? 'dist/charts',
          concurrency: parseConcurrency(v.concurrency),
        },
        out,
      ),
  },
  render: {
    summary: 'print the rendered Kubernetes manifests of one environment',
    usage: 'redis-gitops render --env NAME',
    details: `Generates the environment's values in memory and prints what helm renders for every chart,
as one multi-document YAML stream (each document keeps helm's "# Source:" comment).

Options:
  -e, --env NAME   the environment (required)`,
    options: { env: envOption },
    run: async (v, out) => (await import('./commands/render.ts')).runRender({ env: single(v.env, 'render') }, out),
  },
  diff: {
    summary: 'show the rendered manifest diff of one environment against a git ref',
    usage: 'redis-gitops diff --env NAME [--base REF] [--exit-code]',
    details: `Renders the environment as committed at REF (its generated values with the charts at REF)
and as it is now, and prints a unified diff of the manifests.

Options:
  -e, --env NAME   the environment (required)
  --base REF       git ref to compare with (default: HEAD)
  --exit-code      exit 1 when the manifests differ`,
    options: { env: envOption, base: { type: 'string' }, 'exit-code': { type: 'boolean' } },
    run: async (v, out) => (await import('./commands/diff.ts')).runDiff({ env: single(v.env, 'diff'), base: (v.base as string) ?? 'HEAD', exitCode: Boolean(v['exit-code']) }, out),
  },
  import: {
    summary: 'create an environment from a Bitnami redis, redis-cluster, valkey or valkey-cluster values file',
    usage: 'redis-gitops import bitnami <values.yaml> --name ENV --cluster CLUSTER [--namespace NS] [--tier T]',
    details: `Writes environments/<ENV>/environment.yaml from a Bitnami values file: architecture and
sentinel, replica and shard counts, auth existingSecret, persistence size and class, resources or
resourcesPreset, metrics, networkPolicy and TLS. The Bitnami valkey and valkey-cluster charts'
values become an environment with spec.engine: valkey. Prints every key it could not map and why.
Inline passwords are never imported. Never overwrites an existing environment. The result is
validated before it is written.

Options:
  --name ENV        the new environment (folder) name
  --cluster NAME    target cluster from environments/clusters.yaml
  --namespace NS    namespace (default: redis-<ENV>)
  --tier T          dev, staging or production (default: dev)`,
    options: { name: { type: 'string' }, cluster: { type: 'string' }, namespace: { type: 'string' }, tier: { type: 'string' } },
    positionals: true,
    run: async (v, out, pos) => {
      if (pos.length !== 2) throw new UsageError('import needs a source and a file: import bitnami <values.yaml>');
      if (!v.name || !v.cluster) throw new UsageError('import needs --name ENV and --cluster CLUSTER');
      const { runImport } = await import('./commands/import.ts');
      return runImport(
        { kind: pos[0]!, file: pos[1]!, name: v.name as string, cluster: v.cluster as string, namespace: v.namespace as string | undefined, tier: ((v.tier as string) ?? 'dev') as 'dev' },
        out,
      );
    },
  },
  publish: {
    summary: 'package every chart and build index.yaml into a publishable chart repository folder',
    usage: 'redis-gitops publish [--out DIR] [--json]',
    details: `Packages charts/* with helm and writes <chart>-<version>.tgz plus index.yaml (relative URLs)
into DIR, ready for GitHub Pages. DIR may already hold the published repository: a version that is
already there with different content is refused (exit 1, nothing written: bump the chart version);
an identical one is left as it is.

Options:
  --out DIR   the repository folder (default: dist/charts)
  --json      machine-readable result`,
    options: { out: { type: 'string' }, json: jsonOption },
    run: async (v, out) => (await import('./commands/publish.ts')).runPublish({ out: (v.out as string) ?? 'dist/charts', json: Boolean(v.json) }, out),
  },
  'lint-chart': {
    summary: 'helm lint --strict every chart with its default values and each ci/ scenario',
    usage: 'redis-gitops lint-chart [CHART]...',
    details: `Runs the pinned helm's \`lint --strict\` on charts/<CHART> once with its default values and once
per charts/<CHART>/ci/*-values.yaml scenario. Without CHART, lints every chart.`,
    options: {},
    positionals: true,
    run: async (_v, out, charts) => (await import('./commands/lint-chart.ts')).runLintChart({ charts }, out),
  },
  server: {
    summary: 'show or stop the background server that keeps the CLI loaded between runs',
    usage: 'redis-gitops server status|stop',
    details: `On a developer machine, validate, render, diff and generate are answered by a background
redis-gitops process that keeps the CLI loaded and compiled, so a run costs helm's time plus a
little instead of Node's start-up and module loading again (a one-environment validate: see
docs/benchmarks.md). The first run starts it; it exits after 600 s without a request
(REDIS_GITOPS_SERVER_IDLE_SECONDS). A change to the CLI's code, to Node, to the helm binary or to
the environment variables the CLI and helm read starts a new one: a server never answers with
stale code. Specs, charts and policies are read again on every run.

REDIS_GITOPS_SERVER=off turns it off; it is off when CI is set (REDIS_GITOPS_SERVER=on turns it on).

  status   list this user's servers: pid, since when, runs answered, whether it serves this code
  stop     stop every server of this user`,
    options: {},
    positionals: true,
    run: async (_v, out, pos) => {
      if (pos.length !== 1 || !['status', 'stop'].includes(pos[0]!)) throw new UsageError('server needs one of: status, stop');
      return (await import('./commands/server.ts')).runServerCommand(pos[0] as 'status' | 'stop', out);
    },
  },
};

function single(v: unknown, cmd: string): string {
  const list = (v as string[] | undefined) ?? [];
  if (list.length !== 1) throw new UsageError(`${cmd} needs exactly one --env NAME`);
  return list[0]!;
}

function parseConcurrency(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency must be a whole number >= 1 (got "${String(v)}")`);
  return n;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `redis-gitops: typed Redis environments -> Helm values -> rendered, validated manifests.

Usage: redis-gitops <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run "redis-gitops <command> --help" for a command's options.
Exit codes: 0 ok, 1 violations found, 2 bad input or usage, 3 internal error (a bug: please report it).
`;
}

export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.stdout(mainHelp());
    return name ? EXIT.ok : EXIT.badInput;
  }
  if (name === '--version') {
    out.stdout('redis-gitops 0.1.0\n');
    return EXIT.ok;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    out.stderr(`redis-gitops: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.badInput;
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: Boolean(cmd.positionals),
      strict: true,
    });
    if (values.help) {
      out.stdout(`Usage: ${cmd.usage}\n\n${cmd.details}\n`);
      return EXIT.ok;
    }
    return await cmd.run(values as Record<string, unknown>, out, positionals);
  } catch (err) {
    if (err instanceof InputError) {
      out.stderr(`${err.diagnostics.map(formatDiagnostic).join('\n')}\n\n${err.diagnostics.length} problem(s) in the input; no file was written.\n`);
      return EXIT.badInput;
    }
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      out.stderr(`redis-gitops ${name}: ${(err as Error).message}\nUsage: ${cmd.usage}\n`);
      return EXIT.badInput;
    }
    if (err instanceof HelmMissingError) {
      out.stderr(`redis-gitops ${name}: ${err.message}\n`);
      return EXIT.badInput;
    }
    throw err;
  }
}
