// Fleet model -> dist/: one App per cluster, serialised to YAML, written into a staging folder
// that replaces dist/ only once everything rendered. A failure leaves the old dist/.
import * as fs from 'fs';
import * as path from 'path';
import type { App } from 'cdk8s';
import { DEFAULT_SCALAR_STYLE_RULES, dump, SCALAR_STYLE, type ScalarStyleRule } from 'js-yaml';
import { buildClusterApp } from './clusters';
import { APP_MONITORS_DIR, buildAppMonitorsApp } from './clusters/workload';
import { RenderedKinds } from './delivery/app-project';
import { ARGOCD_DIR, buildArgoCdApp } from './delivery/argocd';
import { ClusterSealer, SealStats, type SecretJson } from './delivery/sealed-secrets';
import { annotateSyncWaves } from './delivery/sync-waves';
import { fileCharts, SECRETS_DIR } from './file-chart';
import { isWorkload, type FleetModel } from './fleet/model';
import { io } from './io/errors';
import { assertOwnedOutput, MARKER_FILE, markerText, resolveOutputDir } from './output/ownership';
import { StagedTree } from './io/staged-tree';
import { recoverOutput } from './output/staging';
import type { FleetPki, PendingWrite } from './pki';

export interface ClusterSummary {
  readonly cluster: string;
  readonly objects: number;
  readonly files: number;
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

/**
 * Most objects are the same on every cluster of a fleet (operator, exporters, rules): each distinct
 * object is serialised once per render, found again by its JSON (a tenth of the cost of dump;
 * manifests are plain JSON data, so equal JSON means equal YAML). Least recently used out first,
 * so that a large fleet's per-cluster objects do not pile up.
 */
export class YamlMemo {
  private readonly texts = new Map<string, string>();
  private readonly byRef = new WeakMap<object, string>();

  constructor(private readonly limit = 1024) {}

  yaml(o: unknown): string {
    // A manifest made once and shared between clusters (a rule family's) is found by identity, without its JSON.
    const shared = typeof o === 'object' && o !== null ? this.byRef.get(o) : undefined;
    if (shared !== undefined) return shared;
    const text = this.byJson(o);
    if (typeof o === 'object' && o !== null) this.byRef.set(o, text);
    return text;
  }

  private byJson(o: unknown): string {
    const key = JSON.stringify(o);
    let text = this.texts.get(key);
    if (text === undefined) text = dump(o, DUMP_OPTIONS);
    else this.texts.delete(key);
    this.texts.set(key, text);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- size > limit > 0, so there is a first key
    if (this.texts.size > this.limit) this.texts.delete(this.texts.keys().next().value!);
    return text;
  }
}

/** Serialises objects as a multi-document YAML file. */
export function objectsYaml(objects: unknown[], memo?: YamlMemo): string {
  return objects.map((o) => (memo ? memo.yaml(o) : dump(o, DUMP_OPTIONS))).join('---\n');
}

/** A render built beside the output folder, not yet in place. */
export interface StagedRender {
  readonly result: RenderResult;
  /** Files of the PKI store this render changes (seal states): part of the store's update. */
  readonly storeWrites: PendingWrite[];
  /** Swaps the new tree in. Call after the store's update, so that dist/ never refers to keys the store lacks. */
  publish(): void;
  /** Drops the new tree; the output folder stays as it was. */
  discard(): void;
}

/** Where a render puts each file: a path relative to the tree's top, its bytes, and whether it holds key material. */
export type RenderSink = (rel: string, data: Buffer, secret: boolean) => void;

/** Options of a render. */
export interface RenderOptions {
  /** Hears each cluster as it is done (for a progress indicator): how many are done, of how many. */
  readonly onCluster?: (done: number, total: number) => void;
}

/** What a render made, beside its files. */
interface RenderedFleet {
  readonly clusters: ClusterSummary[];
  readonly argocd?: ClusterSummary;
  readonly sealers: ClusterSealer[];
}

/**
 * Renders every cluster of the fleet, with the certificates of `pki`, file by file into `sink`.
 * `outDir` is where the tree will be (the apps' output folder; nothing is written there).
 */
function renderFiles(fleet: FleetModel, outDir: string, pki: FleetPki, sink: RenderSink, options: RenderOptions = {}): RenderedFleet {
  const clusters: ClusterSummary[] = [];
  const sealers: ClusterSealer[] = [];
  const memo = new YamlMemo();
  // What the cluster folders hold: the fleet's AppProject allows exactly these kinds.
  const kinds = new RenderedKinds();
  sink('.gitignore', Buffer.from(GITIGNORE), false);
  fleet.clusters.forEach((cluster, i) => {
    const app = buildClusterApp({ fleet, cluster, pki }, path.join(outDir, cluster.name));
    annotateSyncWaves(app);
    const sealer = ClusterSealer.forCluster(fleet, cluster, pki.dir, (rel) => pki.storeText(rel));
    if (sealer) sealers.push(sealer);
    const summary = writeApp(cluster.name, app, sink, memo, sealer, kinds);
    const monitors = isWorkload(cluster) ? buildAppMonitorsApp(cluster, path.join(outDir, APP_MONITORS_DIR, cluster.name)) : undefined;
    if (monitors) {
      annotateSyncWaves(monitors);
      const m = writeApp(`${APP_MONITORS_DIR}/${cluster.name}`, monitors, sink, memo, undefined, kinds);
      clusters.push({ ...summary, objects: summary.objects + m.objects, files: summary.files + m.files });
    } else clusters.push(summary);
    options.onCluster?.(i + 1, fleet.clusters.length);
  });
  const argocd = fleet.gitops ? writeApp(ARGOCD_DIR, buildArgoCdApp({ ...fleet, gitops: fleet.gitops }, outDir, kinds), sink, memo) : undefined;
  return { clusters, argocd, sealers };
}

/**
 * Renders every cluster of the fleet into a staging folder beside `target` (a folder that
 * resolveOutputDir accepted and recoverOutput cleaned), with the certificates of `pki`. Writes
 * nothing else: neither the output folder nor the PKI store.
 */
export function stageFleet(fleet: FleetModel, target: string, pki: FleetPki, options: RenderOptions = {}): StagedRender {
  assertOwnedOutput(target);
  const tree = new StagedTree(target, 0o755, `make ${path.dirname(target)} writable, or set PROMFLEET_OUT to a folder you can write`, 'dist');
  const tmp = tree.dir;
  let rendered: RenderedFleet;
  try {
    const written: string[] = [];
    const made = new Set<string>();
    rendered = renderFiles(
      fleet,
      tmp,
      pki,
      (rel, data, secret) => {
        const parent = path.dirname(path.join(tmp, rel));
        if (!made.has(parent)) {
          io(parent, 'create an output folder', () => fs.mkdirSync(parent, { recursive: true }));
          made.add(parent);
        }
        writeOrLink(path.join(tmp, rel), data, secret, path.join(target, rel));
        written.push(rel);
      },
      options,
    );
    const marker = Buffer.from(markerText(written));
    writeOrLink(path.join(tmp, MARKER_FILE), marker, false, path.join(target, MARKER_FILE));
  } catch (e) {
    tree.discard();
    throw e;
  }
  return {
    result: { outDir: target, clusters: rendered.clusters, argocd: rendered.argocd },
    storeWrites: rendered.sealers.flatMap((s) => s.pendingWrite() ?? []),
    publish: () => tree.publish(),
    discard: () => tree.discard(),
  };
}

/** A render held in memory: every file of the tree `stageFleet` would write, by path relative to its top. */
export interface MemoryRender {
  readonly result: RenderResult;
  readonly files: ReadonlyMap<string, { readonly data: Buffer; readonly secret: boolean }>;
}

/**
 * Renders every cluster of the fleet in memory, exactly as `stageFleet` would into `outDir`, and
 * writes nothing at all (for a comparison with what is rendered already, as `promfleet diff` does).
 */
export function renderInMemory(fleet: FleetModel, outDir: string, pki: FleetPki, options: RenderOptions = {}): MemoryRender {
  const files = new Map<string, { data: Buffer; secret: boolean }>();
  const rendered = renderFiles(fleet, outDir, pki, (rel, data, secret) => files.set(rel, { data, secret }), options);
  return { result: { outDir, clusters: rendered.clusters, argocd: rendered.argocd }, files };
}

/**
 * Renders every cluster of the fleet into `outDir`, atomically, with the certificates of `pki`
 * (see preparePki): refuses an output path it may not replace, then commits the PKI store's part
 * of the render and swaps the new tree in. The synth (main.ts) does the same under locks.
 */
export function renderFleet(fleet: FleetModel, outDir: string, pki: FleetPki): RenderResult {
  const target = resolveOutputDir(outDir, { fleetFile: fleet.source === '<inline>' ? undefined : fleet.source, storeDir: pki.dir });
  recoverOutput(target);
  const staged = stageFleet(fleet, target, pki);
  publishRender(staged, pki);
  return staged.result;
}

/**
 * Puts a staged render in place: the PKI store's update first (what this render issued, and its seal
 * states), then the new output folder, so that dist/ never refers to keys the store lacks. `done`
 * hears each step as it completes; a failure before the store step leaves both as they were.
 */
export function publishRender(staged: StagedRender, pki: FleetPki, done: (step: 'store' | 'dist') => void = () => {}): void {
  try {
    pki.commit(staged.storeWrites);
  } catch (e) {
    staged.discard();
    throw e;
  }
  done('store');
  staged.publish();
  done('dist');
}

/** Renders the charts of one App into `sink`, each as one file under `name`/. */
function writeApp(name: string, app: App, sink: RenderSink, memo: YamlMemo, sealer?: ClusterSealer, kinds?: RenderedKinds): ClusterSummary {
  let objects = 0;
  let files = 0;
  for (const chart of fileCharts(app)) {
    let out: { file: string; objects: unknown[] } = { file: chart.file, objects: chart.toJson() };
    // Sealed secrets mode: key material goes to Git sealed, instead of to the git-ignored secrets/
    // (whose charts hold Secrets only).
    if (sealer && chart.file.startsWith(`${SECRETS_DIR}/`)) out = sealer.sealFile(out.file, out.objects as SecretJson[]);
    const n = out.objects.length;
    if (n === 0) continue;
    if (kinds) for (const o of out.objects) kinds.add(o as Parameters<RenderedKinds['add']>[0]);
    const secret = out.file.startsWith(`${SECRETS_DIR}/`);
    // Key material is unique to each cluster: it is not kept in the memo.
    sink(`${name}/${out.file}.yaml`, Buffer.from(objectsYaml(out.objects, secret ? undefined : memo)), secret);
    objects += n;
    files++;
  }
  return { cluster: name, objects, files, ...(sealer ? { sealed: sealer.stats } : {}) };
}

/**
 * Writes `data` to the new `file`, unless `previous` (the same file in the dist/ being replaced)
 * already holds exactly these bytes: then the new tree gets a hard link to it. A re-synth thus
 * creates and deletes no file it does not change (file creation dominates the cost of a large
 * fleet on some filesystems), and the swap stays atomic: the old tree only loses a link.
 */
function writeOrLink(file: string, data: Buffer, secret: boolean, previous: string): void {
  try {
    const st = fs.lstatSync(previous);
    // A key file must still be private; size first, so that most changed files are not read.
    if (st.isFile() && !(secret && st.mode & 0o077) && st.size === data.length && fs.readFileSync(previous).equals(data)) {
      fs.linkSync(previous, file);
      return;
    }
  } catch {
    // No previous file, or it cannot be linked (another filesystem): write it anew.
  }
  io(
    file,
    'write the rendered file',
    () => fs.writeFileSync(file, data, secret ? { mode: 0o600 } : undefined),
    'free some space or make the output folder writable',
  );
}
