// Test helpers: render fleets into temporary folders and read back what was written.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { FleetError } from '../../lib/fleet/errors';
import { parseFleet } from '../../lib/fleet/load';
import { isObserver, isWorkload, type FleetModel, type ObserverCluster, type WorkloadCluster } from '../../lib/fleet/model';
import { preparePkiSync, type FleetPki } from '../../lib/pki';
import { renderFleet, RenderResult } from '../../lib/render';
import type { ValidationReport } from '../../lib/validate';
import { main } from '../../main';
import { isKind, type Kind, type Manifest, type ManifestOf } from './manifests';

export const ROOT = path.resolve(__dirname, '..', '..');

const tmpDirs: string[] = [];

/** A new temporary folder, removed when the test file is done (many hold PKI stores with private keys). */
export function tmpDir(prefix = 'promfleet-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function defaultFleetText(): string {
  return fs.readFileSync(path.join(ROOT, 'fleet.yaml'), 'utf8');
}

/** Parses fleet YAML as if it were a file in `dir` (relative paths resolve there). */
export function fleetFrom(text: string, dir = tmpDir()): FleetModel {
  const file = path.join(dir, 'fleet.yaml');
  fs.writeFileSync(file, text);
  return parseFleet(text, file);
}

/** The cluster `name` of `fleet`, which must have the workload role. */
export function workloadCluster(fleet: FleetModel, name: string): WorkloadCluster {
  const c = fleet.clusters.find((x) => x.name === name);
  if (!c || !isWorkload(c)) throw new Error(`the test fleet has no workload cluster "${name}"`);
  return c;
}

/** The cluster `name` of `fleet`, which must have the observer role. */
export function observerCluster(fleet: FleetModel, name: string): ObserverCluster {
  const c = fleet.clusters.find((x) => x.name === name);
  if (!c || !isObserver(c)) throw new Error(`the test fleet has no observer cluster "${name}"`);
  return c;
}

/** The problems (`path: message`) a fleet file is rejected with; [] when it is valid. */
export function fleetProblems(text: string): string[] {
  try {
    fleetFrom(text);
  } catch (e) {
    if (e instanceof FleetError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

export interface Rendered {
  outDir: string;
  result: RenderResult;
  /** Every file under outDir, relative path -> content. */
  files: Map<string, string>;
  /** Every rendered object with the file it is in and its cluster. */
  objects: RenderedObject[];
}

export interface RenderedObject<M extends Manifest = Manifest> {
  cluster: string;
  file: string;
  obj: M;
}

/** The rendered objects of `kind`, typed as that kind. */
export function ofKind<K extends Kind>(objects: RenderedObject[], ...kinds: K[]): RenderedObject<ManifestOf<K>>[] {
  return objects.filter((o): o is RenderedObject<ManifestOf<K>> => isKind(o.obj, ...kinds));
}

let sharedPkiDir: string | undefined;

/**
 * The PKI store shared by every render of one test file (jest loads this module once per file):
 * keys are generated once, and a fleet rendered twice gets the same certificates.
 */
export function testPkiDir(): string {
  return (sharedPkiDir ??= tmpDir('promfleet-pki-'));
}

/** The fleet's certificates, from the test file's shared store (or `dir`). */
export function testPki(fleet: FleetModel, dir = testPkiDir()): FleetPki {
  return preparePkiSync({ ...fleet, pki: { ...fleet.pki, dir } });
}

export function render(fleet: FleetModel, outDir = path.join(tmpDir(), 'dist'), pki = testPki(fleet)): Rendered {
  const result = renderFleet(fleet, outDir, pki);
  return { outDir, result, ...readTree(outDir) };
}

export function readTree(outDir: string): { files: Map<string, string>; objects: RenderedObject[] } {
  const files = new Map<string, string>();
  const objects: RenderedObject[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const rel = path.relative(outDir, p);
        const text = fs.readFileSync(p, 'utf8');
        files.set(rel, text);
        if (rel.endsWith('.yaml')) {
          for (const doc of parseAllDocuments(text)) {
            const obj = doc.toJS() as Manifest | null;
            // dist/_app-monitors/<cluster>/ holds objects of that cluster too.
            const [top, below] = rel.split(path.sep);
            if (obj) objects.push({ cluster: top === '_app-monitors' ? below : top, file: rel, obj });
          }
        }
      }
    }
  };
  walk(outDir);
  return { files, objects };
}

/** Runs the app's main() as `cdk8s synth` does (from `cwd` if given), with what it prints on stderr. */
export async function runMain(env: Record<string, string>, cwd?: string): Promise<{ code: number; stderr: string }> {
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const before = process.cwd();
  try {
    if (cwd) process.chdir(cwd);
    const code = await main({ ...env });
    return { code, stderr: err.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    process.chdir(before);
    err.mockRestore();
  }
}

/**
 * Validates rendered manifests with `promfleet validate --json` (lib/validate/): CRD kinds against the
 * imported CRDs, core kinds against kubernetes-models, unknown fields included. A separate process,
 * because kubernetes-models is ESM-only, which Jest's CommonJS runtime cannot load.
 */
export function validateRendered(...paths: string[]): ValidationReport {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/ts.mjs'), 'lib/cli/validate.ts', '--json', ...paths], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`promfleet validate exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ValidationReport;
}
