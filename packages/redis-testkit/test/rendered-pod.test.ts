import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { chartScenarios, lintChart, renderChart, templateChart } from '../src/render-chart.ts';
import {
  containerOf,
  containerNames,
  podSpecOf,
  envValue,
  secretRefOf,
  pathDefaults,
  mapPath,
  mapConfPaths,
  confPathLines,
  sandboxMounts,
  emptyDirIn,
  readMounted,
  containerEnv,
  containerCommand,
  containerProcess,
  type Mount,
} from '../src/rendered-pod.ts';

const podSpec = {
  volumes: [
    { name: 'scripts', configMap: { name: 'rc-scripts', defaultMode: 365 } },
    { name: 'tmp', emptyDir: {} },
    { name: 'backup', persistentVolumeClaim: { claimName: 'rc-backup' } },
    { name: 'tls', secret: { secretName: 'rc-tls' } },
  ],
  initContainers: [{ name: 'restore', command: ['/scripts/restore.sh'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
  containers: [
    {
      name: 'redis',
      command: ['/scripts/start-node.sh'],
      ports: [{ name: 'redis', containerPort: 6379 }],
      env: [
        { name: 'DATA_DIR', value: '/data' },
        { name: 'TLS_CERT', value: '/tls/tls.crt' },
        { name: 'MODE', value: 'cluster' },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'rc-auth', key: 'password' } } },
        { name: 'PRESTOP_LOG_FILE', value: '/proc/1/fd/1' },
      ],
      volumeMounts: [
        { name: 'scripts', mountPath: '/scripts' },
        { name: 'data', mountPath: '/data' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'tls', mountPath: '/tls' },
      ],
      readinessProbe: { exec: { command: ['/scripts/readiness.sh'] }, periodSeconds: 5 },
      lifecycle: { preStop: { exec: { command: ['/scripts/prestop.sh'] } } },
    },
  ],
};
const sts = { kind: 'StatefulSet', metadata: { name: 'rc' }, spec: { template: { spec: podSpec }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } };
const cronJob = {
  kind: 'CronJob',
  metadata: { name: 'rc-backup' },
  spec: {
    jobTemplate: {
      spec: { template: { spec: { containers: [{ name: 'backup', command: ['/scripts/backup.sh'], volumeMounts: [{ name: 'backup', mountPath: '/backup' }] }], volumes: podSpec.volumes } } },
    },
  },
};

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-testkit-rendered-pod-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('containerOf', () => {
  it('reads a container of a StatefulSet with its command, env, mounts, probes, preStop and the pod spec volumes', () => {
    const c = containerOf(sts, 'redis');
    expect(c).toMatchObject({ name: 'redis', init: false, command: ['/scripts/start-node.sh'], ports: [{ name: 'redis', containerPort: 6379 }], preStop: ['/scripts/prestop.sh'] });
    expect(c.readinessProbe?.periodSeconds).toBe(5);
    expect(c.volumeMounts.map((m) => m.mountPath)).toEqual(['/scripts', '/data', '/tmp', '/tls']);
    expect([...c.volumes.keys()]).toEqual(['scripts', 'tmp', 'backup', 'tls']);
  });

  it('finds init containers and the containers of a CronJob (its jobTemplate)', () => {
    expect(containerOf(sts, 'restore')).toMatchObject({ name: 'restore', init: true, command: ['/scripts/restore.sh'], env: [], ports: [] });
    expect(containerOf(cronJob, 'backup')).toMatchObject({ name: 'backup', init: false, command: ['/scripts/backup.sh'] });
    expect(containerOf(cronJob, 'backup').volumes.get('backup')).toEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'rc-backup' } });
    expect(podSpecOf(cronJob).containers).toHaveLength(1);
    expect(containerNames(sts)).toEqual(['redis']);
    expect(containerNames(sts, true)).toEqual(['restore']);
    expect(containerNames(cronJob, true)).toEqual([]);
  });

  it('names the workload and the containers it has when one is missing', () => {
    expect(() => containerOf(sts, 'sentinel')).toThrow('StatefulSet/rc has no container "sentinel" (has: redis, restore (init))');
    expect(() => containerOf({ kind: 'Job', metadata: { name: 'j' }, spec: {} }, 'x')).toThrow('Job/j has no container "x" (has: none)');
  });

  it('reads literal env values and Secret references', () => {
    const c = containerOf(sts, 'redis');
    expect(envValue(c, 'MODE')).toBe('cluster');
    expect(envValue(c, 'POD_IP')).toBeUndefined();
    expect(envValue(c, 'NOPE')).toBeUndefined();
    expect(secretRefOf(c, 'REDIS_PASSWORD')).toEqual({ name: 'rc-auth', key: 'password' });
    expect(secretRefOf(c, 'MODE')).toBeUndefined();
  });
});

describe('pathDefaults', () => {
  it('reads the `: "$VAR:=/path"` and `VAR="$VAR:-/path"` forms (braced) at line starts, absolute paths only, the first one of a variable winning', () => {
    const lib = readFileSync(path.join(FIXTURES, 'path-defaults.sh'), 'utf8');
    expect(Object.fromEntries(pathDefaults(lib))).toEqual({ DATA_DIR: '/data', CONF_DIR: '/etc/redis-base', SCRATCH_DIR: '/tmp', TLS_DIR: '/tls' });
    expect(pathDefaults('').size).toBe(0);
  });
});

describe('mapPath, mapConfPaths, confPathLines', () => {
  const mounts: Mount[] = [
    ['/etc/redis-base', '/sb/config'],
    ['/data', '/sb/pod/data'],
    ['/', '/sb/root-never-used'],
  ];

  it('maps a path at or under a mount, through the first (longest) matching mount, and leaves everything else', () => {
    expect(mapPath('/data', mounts)).toBe('/sb/pod/data');
    expect(mapPath('/data/nodes.conf', mounts)).toBe('/sb/pod/data/nodes.conf');
    expect(mapPath('/etc/redis-base/redis.conf', mounts)).toBe('/sb/config/redis.conf');
    expect(mapPath('/database', mounts.slice(0, 2))).toBe('/database');
    expect(mapPath('data', mounts)).toBe('data');
    expect(mapPath('cluster', mounts)).toBe('cluster');
    expect(mapPath('/x', [])).toBe('/x');
  });

  it('maps every path argument of a config file but the comments, and lists the lines that name a path', () => {
    const conf = ['# dir /data', 'dir /data', 'tls-cert-file "/data/tls.crt"', 'port 6379', 'include /etc/redis-base/extra.conf /data/x'].join('\n');
    expect(mapConfPaths(conf, mounts.slice(0, 2))).toBe(['# dir /data', 'dir /sb/pod/data', 'tls-cert-file "/data/tls.crt"', 'port 6379', 'include /sb/config/extra.conf /sb/pod/data/x'].join('\n'));
    expect(confPathLines(conf)).toEqual(['dir /data', 'tls-cert-file "/data/tls.crt"', 'include /etc/redis-base/extra.conf /data/x']);
    expect(confPathLines('# dir /data\nport 6379\nsave ""')).toEqual([]);
  });
});

describe('volumes, env and command of a rendered container', () => {
  const dirs = { scripts: path.join(tmp, 'configmaps', 'rc-scripts'), data: path.join(tmp, 'pod', 'data'), tls: path.join(tmp, 'tls') };
  cpSync(path.join(FIXTURES, 'rendered-pod-scripts'), dirs.scripts, { recursive: true });
  const standIns = {
    named: (v: string) => (v === 'data' ? dirs.data : undefined),
    configMap: (name: string) => path.join(tmp, 'configmaps', name),
    secret: () => dirs.tls,
    emptyDir: emptyDirIn(path.join(tmp, 'pod')),
    harness: 'the-harness.ts',
  };

  it('maps each mount onto its stand-in, longest mount path first, creating emptyDirs', () => {
    const mounts = sandboxMounts(containerOf(sts, 'redis'), standIns);
    expect(mounts).toEqual([
      ['/scripts', dirs.scripts],
      ['/data', dirs.data],
      ['/tmp', path.join(tmp, 'pod', 'volumes', 'tmp')],
      ['/tls', dirs.tls],
    ]);
    expect(readMounted(mounts, 'lib.sh')).toContain('DATA_DIR');
    expect(readMounted(mounts, 'nope.sh')).toBeUndefined();
  });

  it('fails on a volume the pod spec lacks, and on one the harness has no stand-in for, naming the harness', () => {
    expect(() => sandboxMounts(containerOf(sts, 'redis'), { ...standIns, named: undefined })).toThrow('volume "data" is mounted by container redis but not declared in its pod spec');
    expect(() => sandboxMounts(containerOf(sts, 'redis'), { ...standIns, secret: undefined })).toThrow(
      'volume "tls" (secret) of container redis has no stand-in in the behaviour harness: add one in the-harness.ts',
    );
  });

  it('builds the env: literals mapped, downward API, Secrets, the path defaults under a mount, RESOLVE_CMD and the preStop log', () => {
    const c = containerOf(sts, 'redis');
    const mounts = sandboxMounts(c, standIns);
    const env = containerEnv(c, {
      mounts,
      pod: { ip: '127.1.0.5', name: 'rc-0', namespace: 'redis' },
      secret: (ref) => `pw-${ref.name}-${ref.key}`,
      mountedScripts: ['lib.sh'],
      resolver: '/sb/resolve.sh',
      logDir: '/sb/pod',
    });
    expect(env).toEqual({
      DATA_DIR: dirs.data,
      TLS_CERT: `${dirs.tls}/tls.crt`,
      MODE: 'cluster',
      POD_IP: '127.1.0.5',
      POD_NAME: 'rc-0',
      POD_NAMESPACE: 'redis',
      REDIS_PASSWORD: 'pw-rc-auth-password',
      PRESTOP_LOG_FILE: '/sb/pod/prestop.log',
      // lib.sh's defaults under a mount; CONF_DIR's /etc/redis-base is not mounted, so it stays unset.
      SCRATCH_DIR: path.join(tmp, 'pod', 'volumes', 'tmp'),
      TLS_DIR: dirs.tls,
      RESOLVE_CMD: '/sb/resolve.sh',
    });
    expect(
      containerEnv(c, { mounts, pod: { ip: '', name: '', namespace: '' }, secret: () => 's', scripts: [readFileSync(path.join(FIXTURES, 'path-defaults.sh'), 'utf8')], mountedScripts: [] }).DATA_DIR,
    ).toBe(dirs.data);
    expect(containerEnv(c, { mounts, pod: { ip: '', name: '', namespace: '' }, secret: () => 's' }).PRESTOP_LOG_FILE).toBe('/proc/1/fd/1');
  });

  it('refuses env sources it has no stand-in for', () => {
    const odd = (valueFrom: object) => containerOf({ kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'x', env: [{ name: 'E', valueFrom }] }] } } } }, 'x');
    const o = { mounts: [], pod: { ip: '', name: '', namespace: '' }, secret: () => '' };
    expect(() => containerEnv(odd({ fieldRef: { fieldPath: 'spec.nodeName' } }), o)).toThrow('env E of container x: fieldRef spec.nodeName has no stand-in');
    expect(() => containerEnv(odd({ configMapKeyRef: { name: 'c', key: 'k' } }), o)).toThrow('env E of container x: unsupported source');
  });

  it('maps a single-element command, and refuses any other', () => {
    const mounts = sandboxMounts(containerOf(sts, 'redis'), standIns);
    expect(containerCommand(['/scripts/readiness.sh'], mounts, 'readinessProbe')).toBe(path.join(dirs.scripts, 'readiness.sh'));
    expect(() => containerCommand(['sh', '-c', 'x'], mounts, 'readinessProbe')).toThrow('readinessProbe: expected a single-element command, got ["sh","-c","x"]');
    expect(() => containerCommand(undefined, mounts, 'hook')).toThrow('hook: expected a single-element command');
  });

  it('turns a CronJob container into a sandbox process: command, env and mounts in one step', () => {
    const backupDir = path.join(tmp, 'backup');
    const withScripts = {
      ...cronJob.spec.jobTemplate.spec.template.spec.containers[0]!,
      volumeMounts: [
        { name: 'backup', mountPath: '/backup' },
        { name: 'scripts', mountPath: '/scripts' },
      ],
    };
    const job = { ...cronJob, spec: { jobTemplate: { spec: { template: { spec: { containers: [withScripts], volumes: podSpec.volumes } } } } } };
    const p = containerProcess(containerOf(job, 'backup'), {
      volumes: { ...standIns, persistentVolumeClaim: (claim) => (claim === 'rc-backup' ? backupDir : 'wrong') },
      pod: { ip: '127.0.0.1', name: 'rc-backup-1', namespace: 'redis' },
      secret: () => 'pw',
      mountedScripts: ['lib.sh', 'backup.sh'],
    });
    expect(p.command).toBe(path.join(dirs.scripts, 'backup.sh'));
    expect(p.env).toEqual({ BACKUP_DIR: backupDir });
    expect(p.mounts).toEqual([
      ['/scripts', dirs.scripts],
      ['/backup', backupDir],
    ]);
  });
});

describe('renderChart', () => {
  const chart = path.join(FIXTURES, 'tiny-chart');

  it('renders with the pinned helm and parses every object, values then set then args', async () => {
    const objs = await renderChart(chart, { release: 't', namespace: 'ns', values: [path.join(chart, 'ci', 'loud-values.yaml')], set: ['greeting=set'], args: ['--set', 'greeting=args'] });
    expect(objs.map((o) => `${o.kind}/${o.name} ${o.namespace} ${o.chart}`)).toEqual(['ConfigMap/t-greeting ns tiny-chart', 'Job/t-job ns tiny-chart']);
    expect((objs[0]!.object as Record<string, any>).data.greeting).toBe('args');
    expect(containerOf(objs[1]!.object, 'main').command).toEqual(['/scripts/run.sh']);
  });

  it('throws with helm stderr when the render fails; templateChart returns the failure instead', async () => {
    await expect(renderChart(chart, { release: 't', set: ['refuse=true'] })).rejects.toThrow(/failed \(exit 1\):\n[\s\S]*tiny-chart: refuse is set/);
    const r = await templateChart(chart, { release: 't', set: ['refuse=true'] });
    expect({ code: r.code, refused: r.stderr.includes('tiny-chart: refuse is set') }).toEqual({ code: 1, refused: true });
  });

  it('lists the ci/ scenarios and lints the chart with each', async () => {
    expect(chartScenarios(chart)).toEqual(['loud-values.yaml', 'quiet-values.yaml']);
    expect(await lintChart(chart)).toEqual([]);
  });
});
