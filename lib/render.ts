// Fleet model -> dist/: one App per cluster, serialised to YAML, written into a temporary
// folder that replaces dist/ only once everything rendered. A failure leaves the old dist/.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_SCALAR_STYLE_RULES, dump, SCALAR_STYLE, type ScalarStyleRule } from 'js-yaml';
import { buildClusterApp } from './clusters';
import { ARGOCD_DIR, buildArgoCdApp } from './delivery/argocd';
import { ClusterSealer, SealStats } from './delivery/sealed-secrets';
import { annotateSyncWaves } from './delivery/sync-waves';
import { FileChart, SECRETS_DIR } from './file-chart';
import type { FleetModel } from './fleet/model';
import type { FleetPki } from './pki';

export interface ClusterSummary {
  readonly cluster: string;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** Sealed secrets mode: SealedSecrets rendered, values sealed anew or reused from the seal state. */
  readonly sealed?: SealStats;
}

export interface RenderResult {
  readonly outDir: string;
  readonly clusters: ClusterSummary[];
  /** dist/_argocd/, when the fleet has a `gitops` section. */
  readonly argocd?: ClusterSummary;
}

const GITIGNORE = `# Rendered by promfleet. Secrets carrying private keys are written under <cluster>/${SECRETS_DIR}/
# so that \`kubectl apply -R\` deploys them, but they must never be committed.
*/${SECRETS_DIR}/
`;

// A string with double quotes but no single quote reads better single-quoted (no escapes),
// e.g. PromQL or Go templates in rule annotations.
const singleQuoteOverEscapes: ScalarStyleRule = (l) => {
  const v = l.node.value;
  if (l.style === SCALAR_STYLE.DOUBLE_QUOTED && v.includes('"') && !v.includes("'") && l.allowedStylesMask & (1 << SCALAR_STYLE.SINGLE_QUOTED)) {
    l.style = SCALAR_STYLE.SINGLE_QUOTED;
  }
};

/**
 * js-yaml is ~3x faster than the `yaml` package's stringify, the largest cost of a synth. Its
 * default schema also quotes strings a YAML 1.1 reader (kubectl's go-yaml) would take for
 * booleans, numbers or dates, such as `yes`, `on` or `1_000`. Block style, no line folding,
 * no anchors: every object reads on its own.
 */
const DUMP_OPTIONS = {
  lineWidth: -1,
  noRefs: true,
  quoteStyle: 'double',
  scalarStyleRules: [...Object.values(DEFAULT_SCALAR_STYLE_RULES), singleQuoteOverEscapes],
} as const;

/** Serialises objects as a multi-document YAML file. */
export function objectsYaml(objects: unknown[]): string {
  return objects.map((o) => dump(o, DUMP_OPTIONS)).join('---\n');
}

/** Renders every cluster of the fleet into `outDir`, atomically, with the certificates of `pki` (see preparePki). */
export function renderFleet(fleet: FleetModel, outDir: string, pki: FleetPki): RenderResult {
  const target = path.resolve(outDir);
  const summaries: ClusterSummary[] = [];
  const sealers: ClusterSealer[] = [];
  let argocd: ClusterSummary | undefined;
  replaceDirAtomically(target, (tmp) => {
    writeOrLink(path.join(tmp, '.gitignore'), GITIGNORE, false, path.join(target, '.gitignore'));
    for (const cluster of fleet.clusters) {
      const dir = path.join(tmp, cluster.name);
      const app = buildClusterApp({ fleet, cluster, pki }, dir);
      annotateSyncWaves(app);
      const sealer = ClusterSealer.forCluster(fleet, cluster, pki.dir);
      if (sealer) sealers.push(sealer);
      summaries.push(writeApp(cluster.name, app.charts as FileChart[], dir, path.join(target, cluster.name), sealer));
    }
    if (fleet.gitops) {
      const app = buildArgoCdApp({ ...fleet, gitops: fleet.gitops }, tmp);
      argocd = writeApp(ARGOCD_DIR, app.charts as FileChart[], path.join(tmp, ARGOCD_DIR), path.join(target, ARGOCD_DIR));
    }
  });
  // Only now that dist/ holds these SealedSecrets: a failed render must not change what the next one reuses.
  for (const sealer of sealers) sealer.save();
  return { outDir: target, clusters: summaries, argocd };
}

/** Writes the charts of one App into `dir`; `previous` is the same folder in the dist/ being replaced. */
function writeApp(name: string, charts: FileChart[], dir: string, previous: string, sealer?: ClusterSealer): ClusterSummary {
  let objects = 0;
  let files = 0;
  let bytes = 0;
  const made = new Set<string>();
  for (const chart of charts) {
    let out = { file: chart.file, objects: chart.toJson() };
    // Sealed secrets mode: key material goes to Git sealed, instead of to the git-ignored secrets/.
    if (sealer && chart.file.startsWith(`${SECRETS_DIR}/`)) out = sealer.sealFile(out.file, out.objects);
    const n = out.objects.length;
    if (n === 0) continue;
    const text = objectsYaml(out.objects);
    const rel = `${out.file}.yaml`;
    const file = path.join(dir, rel);
    const parent = path.dirname(file);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    writeOrLink(file, text, out.file.startsWith(`${SECRETS_DIR}/`), path.join(previous, rel));
    objects += n;
    files++;
    bytes += Buffer.byteLength(text);
  }
  return { cluster: name, objects, files, bytes, ...(sealer ? { sealed: sealer.stats } : {}) };
}

/**
 * Writes `text` to the new `file`, unless `previous` (the same file in the dist/ being replaced)
 * already holds exactly that text: then the new tree gets a hard link to it. A re-synth thus
 * creates and deletes no file it does not change (file creation dominates the cost of a large
 * fleet on some filesystems), and the swap stays atomic: the old tree only loses a link.
 */
function writeOrLink(file: string, text: string, secret: boolean, previous: string): void {
  try {
    const st = fs.lstatSync(previous);
    // A key file must still be private; size first, so that most changed files are not read.
    if (st.isFile() && !(secret && st.mode & 0o077) && st.size === Buffer.byteLength(text) && fs.readFileSync(previous, 'utf8') === text) {
      fs.linkSync(previous, file);
      return;
    }
  } catch {
    // No previous file, or it cannot be linked (another filesystem): write it anew.
  }
  fs.writeFileSync(file, text, secret ? { mode: 0o600 } : undefined);
}

/** Builds the new tree next to `target`, then swaps it in; on error the old tree stays. */
export function replaceDirAtomically(target: string, build: (tmp: string) => void): void {
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.new-`));
  fs.chmodSync(tmp, 0o755); // mkdtemp makes it private; dist/ is a normal folder
  try {
    build(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = fs.existsSync(target) ? `${tmp.replace('.new-', '.old-')}` : undefined;
  if (old) fs.renameSync(target, old);
  fs.renameSync(tmp, target);
  if (old) fs.rmSync(old, { recursive: true, force: true });
}
