// What makes a synth fast must not change what it writes: unchanged files linked from the previous
// dist/ (never a stale or loosened one), the YAML emitter and its memo, and the cached app bundle
// (rebuilt whenever a source changes).
// Speed itself is measured by `npm run bench`, not here.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { objectsYaml, YamlMemo } from '../lib/render';
import { defaultFleetText, fleetFrom, readTree, render, ROOT, testPki, tmpDir } from './support/fleet';

describe('re-rendering into an existing dist/', () => {
  const dir = tmpDir();
  const out = path.join(dir, 'dist');
  const fleet = fleetFrom(defaultFleetText(), dir);
  const pki = testPki(fleet);
  const first = render(fleet, out, pki);
  const ino = (rel: string) => fs.statSync(path.join(out, rel)).ino;

  it('reuses every unchanged file (same inode) and writes the same tree', () => {
    const before = new Map([...first.files.keys()].map((f) => [f, ino(f)]));
    const again = render(fleet, out, pki);
    expect([...again.files.entries()]).toEqual([...first.files.entries()]);
    for (const [f, i] of before) expect([f, ino(f)]).toEqual([f, i]);
    // The old tree is gone: each file has one link again.
    expect(fs.statSync(path.join(out, 'workload-eu', '20-prometheus.yaml')).nlink).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'fleet.yaml']);
  });

  it('rewrites a file whose previous copy differs, even with the same size', () => {
    const rel = path.join('workload-eu', '20-prometheus.yaml');
    const file = path.join(out, rel);
    const good = fs.readFileSync(file, 'utf8');
    const tampered = good.replace('replicas: 2', 'replicas: 9');
    expect(tampered).not.toBe(good);
    fs.rmSync(file);
    fs.writeFileSync(file, tampered);
    const oldIno = ino(rel);
    const again = render(fleet, out, pki);
    expect(again.files.get(rel)).toBe(good);
    expect(ino(rel)).not.toBe(oldIno);
  });

  it('writes a key file anew (0600) when its previous copy became readable by others', () => {
    const rel = path.join('workload-eu', 'secrets', 'thanos-sidecar-tls.yaml');
    const file = path.join(out, rel);
    expect(fs.existsSync(file)).toBe(true);
    fs.chmodSync(file, 0o644);
    const oldIno = ino(rel);
    render(fleet, out, pki);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(ino(rel)).not.toBe(oldIno);
    expect(readTree(out).files.get(rel)).toBe(first.files.get(rel));
  });
});

describe('YAML output', () => {
  const roundTrip = (o: unknown) => parseAllDocuments(objectsYaml([o])).map((d) => d.toJS() as unknown);

  it('quotes strings a YAML 1.1 reader (kubectl) would take for booleans, numbers or dates', () => {
    const values = { a: 'yes', b: 'on', c: 'off', d: '1_000', e: '2026-01-01', f: '0755', g: 'true', h: '1e3', i: 'null' };
    const text = objectsYaml([values]);
    for (const [k, v] of Object.entries(values)) expect(text).toContain(`${k}: "${v}"\n`);
    expect(roundTrip(values)).toEqual([values]);
  });

  it('single-quotes text with double quotes, writes multi-line text as a literal block, and never folds lines', () => {
    const annotation = '{{ printf "%.4g" $value }}% of targets are down.';
    const script = 'set -e\necho "done"\n';
    const long = `x${' word'.repeat(60)}`;
    const text = objectsYaml([{ annotation, script, long }]);
    expect(text).toBe(`annotation: '${annotation}'\nscript: |\n  set -e\n  echo "done"\nlong: ${long}\n`);
    expect(roundTrip({ annotation, script, long })).toEqual([{ annotation, script, long }]);
  });

  it('reuses the YAML of an object seen before, and only of an equal object', () => {
    const a = { kind: 'A', spec: { x: 1, y: ['p', 'q'] } };
    const objects = [
      a,
      { kind: 'A', spec: { x: 1, y: ['p', 'q'] } },
      { kind: 'A', spec: { x: 2, y: ['p', 'q'] } },
      { kind: 'A', spec: { y: ['p', 'q'], x: 1 } },
    ];
    for (const memo of [new YamlMemo(), new YamlMemo(1)]) {
      expect(objectsYaml([...objects, ...objects], memo)).toBe(objectsYaml([...objects, ...objects]));
    }
    expect(objectsYaml([objects[2]], new YamlMemo())).toContain('x: 2\n');
  });

  it('separates objects with ---, writes no anchors for shared values, and drops undefined fields', () => {
    const shared = { app: 'x' };
    const text = objectsYaml([{ kind: 'A', a: shared, b: shared, c: undefined }, { kind: 'B' }]);
    expect(text).toBe('kind: A\na:\n  app: x\nb:\n  app: x\n---\nkind: B\n');
  });
});

describe('the cached app bundle (scripts/ts.mjs)', () => {
  const src = tmpDir();
  const build = tmpDir();
  const entry = path.join(src, 'entry.ts');
  // Runs `entry` as the cdk8s app is run: through loadTs, in a fresh process.
  const run = () => {
    const code = `import { loadTs } from ${JSON.stringify(path.join(ROOT, 'scripts', 'ts.mjs'))}; process.stdout.write(String(loadTs(process.argv[1], process.argv[2]).value()));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, entry, build], { encoding: 'utf8', timeout: 30000 });
    expect(r.stderr).toBe('');
    return r.stdout;
  };
  /** Writes a source file as an editor saved it a while ago (an input saved during a build is not trusted). */
  const write = (file: string, text: string, savedMsAgo = 10_000) => {
    fs.writeFileSync(file, text);
    const t = new Date(Date.now() - savedMsAgo);
    fs.utimesSync(file, t, t);
  };
  const bundle = () => fs.readdirSync(build).find((f) => f.endsWith('.cjs'))!;
  const bundleIno = () => fs.statSync(path.join(build, bundle())).ino;

  it('builds once, then reuses the bundle and its code cache while no input changes', () => {
    fs.mkdirSync(path.join(src, 'dep'));
    write(path.join(src, 'dep', 'index.ts'), 'export const n: number = 1;\n');
    write(entry, "import { n } from './dep';\nexport function value(): number { return n; }\n");
    expect(run()).toBe('1');
    const built = bundleIno();
    expect(fs.readdirSync(build).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
    expect(run()).toBe('1');
    expect(bundleIno()).toBe(built);
  });

  it('reuses the bundle when a folder of an input only had a temporary file (as rendering dist/ does to the project root)', () => {
    const built = bundleIno();
    fs.mkdirSync(path.join(src, '.dist.new-x'));
    fs.rmSync(path.join(src, '.dist.new-x'), { recursive: true });
    expect(run()).toBe('1');
    expect(bundleIno()).toBe(built);
  });

  it('rebuilds when an input changes', () => {
    write(path.join(src, 'dep', 'index.ts'), 'export const n: number = 22;\n');
    expect(run()).toBe('22');
  });

  it('rebuilds when a new file changes what an import resolves to', () => {
    // './dep' now resolves to dep.ts instead of dep/index.ts; no input file changed.
    write(path.join(src, 'dep.ts'), 'export const n: number = 3;\n');
    expect(run()).toBe('3');
  });

  it('survives a corrupt code cache, and replaces it', () => {
    const cache = path.join(
      build,
      fs.readdirSync(build).find((f) => f.endsWith('.v8cache'))!,
    );
    fs.writeFileSync(cache, 'not a code cache');
    expect(run()).toBe('3');
    expect(fs.readFileSync(cache).length).toBeGreaterThan(100);
  });

  it('never runs the code cache of another bundle of the same length (V8 checks only the length)', () => {
    const before = fs.statSync(path.join(build, bundle())).size;
    write(path.join(src, 'dep.ts'), 'export const n: number = 4;\n');
    expect(run()).toBe('4');
    expect(fs.statSync(path.join(build, bundle())).size).toBe(before);
  });

  it('builds again on the next run when an input is newer than the build (esbuild may have read it half-way)', () => {
    // Dated after the build's start whatever the machine's load: as if saved while esbuild ran.
    write(path.join(src, 'dep.ts'), 'export const n: number = 5;\n', -30_000);
    expect(run()).toBe('5');
    const built = bundleIno();
    expect(run()).toBe('5');
    expect(bundleIno()).not.toBe(built);
  });
});
