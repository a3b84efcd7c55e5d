// The library as its users get it: promfleet packed (npm pack builds it into out/), installed by
// name from the tarball into a copy of examples/library (the rest comes from the registry),
// compiled against the packed types and synthesized. The user's objects and promfleet's share
// one chart, and the stack's Prometheus selects the user's ServiceMonitor.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { preparePki } from '../lib/pki';
import { ofKind, ROOT, tmpDir, type RenderedObject } from './support/fleet';
import { fingerprintTree, fleetWithStore } from './support/pki';
import type { Manifest } from './support/manifests';
import { matches, prometheusSelects, SELECTION, unselected } from './support/selection';

const EXAMPLE = path.join(ROOT, 'examples', 'library');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let app: string;
let packed: { filename: string; files: { path: string }[] };
let objects: RenderedObject[];
let files: string[];

beforeAll(() => {
  // The example's copy lives in the git-ignored .build/ and keeps its node_modules between runs, as a
  // user's app would: each run installs only the new promfleet tarball, the rest is in place already.
  app = path.join(ROOT, '.build', 'library-example');
  fs.mkdirSync(app, { recursive: true });
  for (const old of ['dist', 'out', path.join('node_modules', 'promfleet')]) fs.rmSync(path.join(app, old), { recursive: true, force: true });
  for (const f of ['main.ts', 'package.json', 'tsconfig.json', 'cdk8s.yaml']) fs.copyFileSync(path.join(EXAMPLE, f), path.join(app, f));
  const run = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  [packed] = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', app], ROOT)) as (typeof packed)[];
  // Named on the command line, the tarball is read anew: the lock file alone would bring back the one it recorded.
  run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${packed.filename}`], app);
  run(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
  run(process.execPath, [path.join(app, 'out', 'main.js')], app);
  files = fs.readdirSync(path.join(app, 'dist'));
  objects = files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(app, 'dist', file), 'utf8')).map((d) => ({ cluster: 'shop', file, obj: d.toJS() as Manifest })),
  );
}, 240_000);

describe('examples/library, with promfleet installed from its packed tarball', () => {
  it('depends on promfleet by name, installed from the tarball npm pack makes', () => {
    const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(example.dependencies.promfleet).toBe(`file:${packed.filename}`);
    // The compiled library and its types; nothing of the repository around it.
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'out/lib/index.js', 'out/lib/index.d.ts']));
    // And the promfleet command: its launcher and one bundle per subcommand.
    expect(paths.filter((p) => !p.startsWith('out/lib/') && !p.startsWith('out/imports/')).sort()).toEqual(
      [
        'README.md',
        'bin/promfleet.mjs',
        'out/cli/diff.cjs',
        'out/cli/pki.cjs',
        'out/cli/synth.cjs',
        'out/cli/validate.cjs',
        'package.json',
        'scripts/ts.mjs',
      ].sort(),
    );
  });

  it('shares one copy of cdk8s and constructs with the app (peer dependencies)', () => {
    for (const peer of ['cdk8s', 'constructs']) expect(fs.existsSync(path.join(app, 'node_modules', 'promfleet', 'node_modules', peer))).toBe(false);
  });

  it("puts the app's objects and promfleet's side by side in one chart", () => {
    expect(files).toEqual(['shop.k8s.yaml']);
    const names = objects.map((o) => `${o.obj.kind} ${o.obj.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining(['Deployment shop', 'Service shop-metrics', 'ServiceMonitor shop']));
    expect(names).toEqual(
      expect.arrayContaining([
        'Namespace monitoring',
        'Deployment prometheus-operator',
        'Prometheus k8s',
        'Alertmanager main',
        'PrometheusRule promfleet-prometheus',
      ]),
    );
  });

  it("has the app's ServiceMonitor selected by the stack's Prometheus, and reaching the app's pods", () => {
    const [prometheus] = ofKind(objects, 'Prometheus');
    const monitor = ofKind(objects, 'ServiceMonitor').find((o) => o.obj.metadata.name === 'shop');
    const service = ofKind(objects, 'Service').find((o) => o.obj.metadata.name === 'shop-metrics');
    const deployment = ofKind(objects, 'Deployment').find((o) => o.obj.metadata.name === 'shop');
    if (!monitor || !service || !deployment) throw new Error('the example rendered no shop ServiceMonitor, Service or Deployment');
    expect(prometheusSelects(objects, prometheus, SELECTION.ServiceMonitor, monitor)).toBe(true);
    expect(matches(monitor.obj.spec.selector, service.obj.metadata.labels)).toBe(true);
    expect(matches({ matchLabels: service.obj.spec.selector }, deployment.obj.spec.template.metadata.labels)).toBe(true);
    expect(service.obj.spec.ports.map((p) => p.name)).toEqual(monitor.obj.spec.endpoints.map((e) => e.port));
    // And nothing of promfleet's own goes unscraped.
    expect(unselected(objects).map((o) => `${o.obj.kind} ${o.obj.metadata.name}`)).toEqual([]);
  });
});

describe('the promfleet command of the installed package', () => {
  it('renders the default fleet as the repository does, from its packed bundles', async () => {
    const work = tmpDir('promfleet-installed-');
    const store = path.join(work, 'store');
    await preparePki(fleetWithStore(store));
    fs.copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(work, 'fleet.yaml'));
    const bin = path.join(app, 'node_modules', '.bin', 'promfleet');
    const run = (cwd: string, args: string[]) =>
      execFileSync(bin, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run(work, ['--version'])).toBe(`${(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    // No TypeScript source is installed: the command runs what npm pack bundled.
    expect(fs.existsSync(path.join(app, 'node_modules', 'promfleet', 'lib'))).toBe(false);
    run(work, ['synth', '--quiet', '--pki-dir', store, '--out', 'installed']);
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'synth', '--quiet', '--pki-dir', store, '--out', 'repository'], {
      cwd: work,
      env: { ...process.env, CI: '' },
    });
    expect(fingerprintTree(path.join(work, 'installed'))).toEqual(fingerprintTree(path.join(work, 'repository')));
    // Its other bundles run too (each throws on a non-zero exit).
    expect(run(work, ['validate', 'installed'])).toMatch(/checked against Kubernetes 1\.36 and the imported CRDs: all valid\n$/);
    expect(run(work, ['diff', '--exit-code', '--pki-dir', store, '--out', 'installed'])).toBe('no changes\n');
  });
});
