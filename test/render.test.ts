// The render pipeline: layout, labels, determinism, atomic replacement, independent validation.
import { expect } from '@jest/globals';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { fileCharts, FileChart } from '../lib/file-chart';
import { defaultFleetText, fleetFrom, render, readTree, ROOT, runMain, testPki, tmpDir, validateRendered } from './support/fleet';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

describe('render pipeline', () => {
  const rendered = render(fleetFrom(defaultFleetText()));

  it('writes one folder per cluster (and _argocd/, as the default fleet has gitops, and _app-monitors/)', () => {
    const top = fs.readdirSync(rendered.outDir).filter((f) => !f.startsWith('.'));
    expect(top.sort()).toEqual(['_app-monitors', '_argocd', 'observer', 'workload-eu', 'workload-us']);
    expect(rendered.result.clusters.map((c) => c.cluster)).toEqual(['observer', 'workload-eu', 'workload-us']);
  });

  it('renders a Namespace everywhere and a Prometheus on each workload cluster, and on the observer, which monitors itself', () => {
    for (const cluster of ['observer', 'workload-eu', 'workload-us']) {
      const kinds = rendered.objects.filter((o) => o.cluster === cluster).map((o) => o.obj.kind);
      expect(kinds).toContain('Namespace');
      expect(kinds.filter((k) => k === 'Prometheus')).toHaveLength(1);
    }
  });

  it('names and labels every object, and leaves cluster-scoped objects without namespace', () => {
    for (const { obj, file } of rendered.objects) {
      const where = `${file} ${obj.kind}/${obj.metadata?.name}`;
      expect([where, typeof obj.metadata.name]).toEqual([where, 'string']);
      expect([where, obj.metadata.labels]).toEqual([
        where,
        expect.objectContaining({
          'app.kubernetes.io/name': expect.any(String),
          'app.kubernetes.io/component': expect.any(String),
          'app.kubernetes.io/part-of': 'promfleet',
          'app.kubernetes.io/managed-by': 'promfleet',
        }),
      ]);
      expect([where, 'namespace' in obj.metadata]).toEqual([where, !CLUSTER_SCOPED.has(obj.kind)]);
    }
  });

  it('counts in the summary what it wrote', () => {
    for (const c of rendered.result.clusters) {
      const objs = rendered.objects.filter((o) => o.cluster === c.cluster);
      expect(c.objects).toBe(objs.length);
      expect(c.files).toBe(new Set(objs.map((o) => o.file)).size);
    }
  });

  it('passes schema validation (promfleet validate)', () => {
    const report = validateRendered(rendered.outDir);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(rendered.objects.length);
  });

  it('is deterministic: two renders are byte-identical', () => {
    const again = render(fleetFrom(defaultFleetText()));
    expect([...again.files.entries()]).toEqual([...rendered.files.entries()]);
  });

  it.each(['observer', 'workload-eu', 'workload-us', '_app-monitors'])('snapshot of %s', (cluster) => {
    const files = [...rendered.files.entries()].filter(([f]) => f.startsWith(`${cluster}/`) && !f.includes('/secrets/'));
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });
});

describe('safe output', () => {
  it('keeps the previous dist/ intact when the fleet file is bad', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'dist');
    const good = path.join(dir, 'fleet.yaml');
    fs.writeFileSync(good, defaultFleetText());
    expect((await runMain({ FLEET: good, PROMFLEET_OUT: out })).code).toBe(0);
    const before = readTree(out).files;
    expect(before.size).toBeGreaterThan(3);

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, defaultFleetText().replace('host: sidecar-{replica}.workload-eu.example.com', 'host: sidecar_eu'));
    const failed = await runMain({ FLEET: bad, PROMFLEET_OUT: out });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/clusters\[1\]\.thanos\.endpoint\.host: must be a DNS name/);
    expect(readTree(out).files).toEqual(before);
    // .pki/ is the PKI store the good synth created next to its fleet file.
    expect(fs.readdirSync(dir).sort()).toEqual(['.pki', 'bad.yaml', 'dist', 'fleet.yaml']);
  });

  it('keeps the previous dist/ when rendering throws half-way', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'dist');
    const fleet = fleetFrom(defaultFleetText(), dir);
    render(fleet, out);
    const before = readTree(out).files;
    // A cluster whose model is broken after validation makes the second cluster's render throw.
    const broken = { ...fleet, clusters: [fleet.clusters[0], { ...fleet.clusters[1], stack: undefined as never }] };
    expect(() => render(broken, out, testPki(fleet))).toThrow();
    expect(readTree(out).files).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'fleet.yaml']);
  });

  it('reports an output folder that cannot be created by name, without a stack trace', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'file'), '');
    const out = path.join(dir, 'file', 'dist');
    const r = await runMain({ FLEET: path.join(ROOT, 'fleet.yaml'), PROMFLEET_OUT: out, PROMFLEET_PKI_DIR: path.join(dir, 'pki') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `promfleet: ${out}: cannot be created: ${path.dirname(out)} is a file, not a folder; set PROMFLEET_OUT to a folder you can write\n`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Refused before anything is written: no PKI store is created either.
    expect(fs.readdirSync(dir).sort()).toEqual(['file']);
  });

  it('reports a missing fleet file by name', async () => {
    const r = await runMain({ FLEET: '/nonexistent/fleet.yaml', PROMFLEET_OUT: path.join(tmpDir(), 'dist') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/fleet\.yaml.*cannot read the fleet file: ENOENT/s);
  });
});

describe('output files', () => {
  it('makes one file of each chart, and refuses a chart that is not a FileChart', () => {
    const app = new App();
    const charts = [new FileChart(app, '10-a'), new FileChart(app, 'secrets/b')];
    expect(fileCharts(app).map((c) => c.file)).toEqual(['10-a', 'secrets/b']);
    expect(charts.map((c) => c.node.id)).toEqual(['10-a', 'secrets--b']);
    new Chart(app, 'plain');
    expect(() => fileCharts(app)).toThrow(/^plain is a Chart but not a FileChart/);
  });
});

describe('repository', () => {
  it('fleet.yaml points editors at the schema', () => {
    expect(defaultFleetText().split('\n')[0]).toBe('# yaml-language-server: $schema=./fleet.schema.json');
  });
});
