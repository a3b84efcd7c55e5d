// `promfleet validate`: offline validation of the rendered tree against the imported CRDs and the core
// schemas of Kubernetes 1.36, unknown (pruned) fields included. The command runs as a child process, as
// a user runs it (kubernetes-models is ESM-only, which Jest's CommonJS runtime cannot load); few runs.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { dump, loadAll } from 'js-yaml';
import type { Finding, ValidationReport } from '../lib/validate';
import { UNKNOWN_FIELD } from '../lib/validate/problems';
import { ROOT, tmpDir } from './support/fleet';

/** Runs `promfleet validate <args>` (the command's main, bundled by scripts/ts.mjs) from `cwd`. */
function promfleetValidate(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/ts.mjs'), path.join(ROOT, 'lib/cli/validate.ts'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The commands docs/cli.md shows, run here as written (`npx promfleet validate` is lib/cli/validate.ts). */
const DOCUMENTED = ['npx promfleet validate', 'npx promfleet validate --json dist/workload-eu'];
const run = (command: string) => promfleetValidate(command.split(' ').slice(3));

/** The parts of the rendered objects this test tampers with. */
interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown>;
  spec: {
    replicas?: unknown;
    thanos?: Record<string, unknown>;
    template?: { spec: { containers: (Record<string, unknown> & { ports: Record<string, unknown>[] })[] } };
  };
}

function readDocs(file: string): Doc[] {
  return loadAll(fs.readFileSync(file, 'utf8')) as Doc[];
}

function countDocuments(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return n + countDocuments(p);
    return /\.ya?ml$/.test(e.name) ? n + readDocs(p).filter((d) => d !== null && d !== undefined).length : n;
  }, 0);
}

describe('promfleet validate', () => {
  it('finds the committed dist/ valid, every document counted', () => {
    const { code, stdout } = run(DOCUMENTED[0]);
    const objects = countDocuments(path.join(ROOT, 'dist'));
    expect(objects).toBeGreaterThan(50);
    expect(stdout).toBe(
      `${objects} objects of ${stdout.match(/of (\d+) kinds/)?.[1]} kinds checked against Kubernetes 1.36 and the imported CRDs: all valid\n`,
    );
    expect(code).toBe(0);
  });

  it('--json reports the objects per kind, CRD and core kinds alike', () => {
    const { code, stdout } = run(DOCUMENTED[1]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ValidationReport;
    expect(report).toMatchObject({ kubernetesVersion: '1.36', objects: countDocuments(path.join(ROOT, 'dist/workload-eu')), findings: [] });
    const kinds: Record<string, number> = {};
    // Every file of the folder, those of its secrets/ (present after a synth with the store) too.
    for (const f of fs.readdirSync(path.join(ROOT, 'dist/workload-eu'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'))) {
      for (const d of readDocs(path.join(ROOT, 'dist/workload-eu', f))) kinds[`${d.apiVersion}/${d.kind}`] = (kinds[`${d.apiVersion}/${d.kind}`] ?? 0) + 1;
    }
    expect(report.kinds).toEqual(kinds);
    expect(report.kinds['monitoring.coreos.com/v1/Prometheus']).toBe(1);
    expect(report.kinds['apps/v1/Deployment']).toBeGreaterThan(0);
  });

  describe('on a tampered cluster folder', () => {
    const root = tmpDir();
    const cluster = path.join(root, 'workload-eu');
    fs.mkdirSync(path.join(cluster, 'secrets'), { recursive: true });
    const prometheus = readDocs(path.join(ROOT, 'dist/workload-eu/20-prometheus.yaml'));
    const prom = prometheus.find((d) => d.kind === 'Prometheus')!;
    prom.spec.thanos!.grpcListenAddress = '0.0.0.0:10901'; // not a field of the CRD (listenLocal is)
    prom.spec.replicas = 'two';
    prom.metadata.labelz = { a: 'b' };
    fs.writeFileSync(path.join(cluster, '20-prometheus.yaml'), prometheus.map((d) => dump(d)).join('---\n'));
    const operator = readDocs(path.join(ROOT, 'dist/workload-eu/10-operator.yaml'));
    const deployment = operator.find((d) => d.kind === 'Deployment')!;
    deployment.spec.template!.spec.containers[0].imagePullPolicyy = 'Always';
    deployment.spec.template!.spec.containers[1].ports[0].containerPort = '8443';
    deployment.spec.replicas = 'two';
    fs.writeFileSync(path.join(cluster, '10-operator.yaml'), operator.map((d) => dump(d)).join('---\n'));
    fs.writeFileSync(path.join(cluster, 'secrets', 'widget.yaml'), dump({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }));

    it('names cluster, file, object, field and problem for unknown fields, wrong types and unknown kinds', () => {
      const { code, stdout } = promfleetValidate(['workload-eu'], root);
      expect(code).toBe(1);
      const lines = stdout.trimEnd().split('\n');
      const prom = 'workload-eu workload-eu/20-prometheus.yaml Prometheus monitoring/k8s';
      const op = 'workload-eu workload-eu/10-operator.yaml Deployment monitoring/prometheus-operator';
      expect(lines.slice(0, -1).sort()).toEqual(
        [
          `${op}: spec.replicas: wrong type: string "two", must be integer`,
          `${op}: spec.template.spec.containers[0].imagePullPolicyy: ${UNKNOWN_FIELD}`,
          `${op}: spec.template.spec.containers[1].ports[0].containerPort: wrong type: string "8443", must be integer`,
          `${prom}: metadata.labelz: ${UNKNOWN_FIELD}`,
          `${prom}: spec.replicas: wrong type: string "two", must be integer`,
          `${prom}: spec.thanos.grpcListenAddress: ${UNKNOWN_FIELD}`,
          'workload-eu workload-eu/secrets/widget.yaml Widget w: no schema for example.com/v1/Widget (neither a GA API of Kubernetes 1.36 nor an imported CRD)',
        ].sort(),
      );
      expect(lines[lines.length - 1]).toMatch(/ checked against Kubernetes 1\.36 and the imported CRDs: 7 findings$/);
    });

    it('--json gives each finding its fields; --quiet leaves out the summary; v1.36.2 names release 1.36', () => {
      const json = promfleetValidate(['--json', cluster]);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as ValidationReport;
      expect(report.findings).toContainEqual<Finding>({
        file: path.join(cluster, '20-prometheus.yaml'),
        cluster: 'workload-eu',
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Prometheus',
        namespace: 'monitoring',
        name: 'k8s',
        field: 'spec.thanos.grpcListenAddress',
        problem: UNKNOWN_FIELD,
      });
      expect(report.findings).toHaveLength(7);
      const quiet = promfleetValidate(['--quiet', '--kubernetes-version', 'v1.36.2', path.join(cluster, 'secrets')]);
      expect(quiet.code).toBe(1);
      expect(quiet.stdout).toMatch(/^[^\n]*Widget w: no schema for example\.com\/v1\/Widget \(neither a GA API of Kubernetes 1\.36 nor an imported CRD\)\n$/);
    });
  });

  it('names the field and the type of a wrong value in a Secret, never the value', () => {
    const dir = path.join(tmpDir(), 'workload-us', 'secrets');
    fs.mkdirSync(dir, { recursive: true });
    const key = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k', namespace: 'monitoring' },
      data: { 'tls.key': 4711081542 },
      immutable: 'TOPSECRET-VALUE',
    };
    fs.writeFileSync(path.join(dir, 'key.yaml'), dump(key));
    const { code, stdout } = promfleetValidate([dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('Secret monitoring/k: data["tls.key"]: wrong type: number, must be string\n');
    expect(stdout).toContain('Secret monitoring/k: immutable: wrong type: string, must be boolean\n');
    expect(stdout).not.toMatch(/TOPSECRET|4711081542/);
  });

  it('refuses a Kubernetes release whose schemas are not bundled, a missing path and an unknown option (exit 2)', () => {
    const missing = path.join(tmpDir(), 'dist');
    const runs = [promfleetValidate(['--kubernetes-version', '1.10']), promfleetValidate([missing]), promfleetValidate(['--strict'])];
    expect(runs.map((r) => [r.code, r.stdout])).toEqual([
      [2, ''],
      [2, ''],
      [2, ''],
    ]);
    expect(runs[0].stderr).toBe(
      'promfleet validate: Kubernetes 1.10: no bundled schemas for this release; supported: 1.36 (the core schemas come from kubernetes-models)\n',
    );
    expect(runs[1].stderr).toContain(`${missing}: no such file or folder`);
    expect(runs[2].stderr).toContain("promfleet validate: unknown option '--strict'\nusage: promfleet validate ");
  });

  it('prints its usage with --help', () => {
    const { code, stdout } = promfleetValidate(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: promfleet validate \[--kubernetes-version <x\.y>\] \[--json \| --quiet\] \[path\.\.\.\]/);
    expect(stdout).toContain('--kubernetes-version <x.y>');
  });
});
