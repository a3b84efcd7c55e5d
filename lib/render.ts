// Fleet model -> dist/: one App per cluster, serialised to YAML, written into a temporary
// folder that replaces dist/ only once everything rendered. A failure leaves the old dist/.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { buildClusterApp } from './clusters';
import { FileChart, SECRETS_DIR } from './file-chart';
import type { FleetModel } from './fleet/model';

export interface ClusterSummary {
  readonly cluster: string;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
}

export interface RenderResult {
  readonly outDir: string;
  readonly clusters: ClusterSummary[];
}

const GITIGNORE = `# Rendered by promfleet. Secrets carrying private keys are written under <cluster>/${SECRETS_DIR}/
# so that \`kubectl apply -R\` deploys them, but they must never be committed.
*/${SECRETS_DIR}/
`;

/** Serialises one chart's objects as a multi-document YAML file. */
export function chartYaml(chart: FileChart): { text: string; objects: number } {
  const objects = chart.toJson();
  const text = objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  return { text, objects: objects.length };
}

/** Renders every cluster of the fleet into `outDir`, atomically. */
export function renderFleet(fleet: FleetModel, outDir: string): RenderResult {
  const target = path.resolve(outDir);
  const summaries: ClusterSummary[] = [];
  replaceDirAtomically(target, (tmp) => {
    fs.writeFileSync(path.join(tmp, '.gitignore'), GITIGNORE);
    for (const cluster of fleet.clusters) {
      const dir = path.join(tmp, cluster.name);
      const app = buildClusterApp({ fleet, cluster }, dir);
      summaries.push(writeApp(cluster.name, app.charts as FileChart[], dir));
    }
  });
  return { outDir: target, clusters: summaries };
}

function writeApp(name: string, charts: FileChart[], dir: string): ClusterSummary {
  let objects = 0;
  let files = 0;
  let bytes = 0;
  const made = new Set<string>();
  for (const chart of charts) {
    const { text, objects: n } = chartYaml(chart);
    if (n === 0) continue;
    const file = path.join(dir, `${chart.file}.yaml`);
    const parent = path.dirname(file);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const secret = chart.file.startsWith(`${SECRETS_DIR}/`);
    fs.writeFileSync(file, text, secret ? { mode: 0o600 } : undefined);
    objects += n;
    files++;
    bytes += Buffer.byteLength(text);
  }
  return { cluster: name, objects, files, bytes };
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
