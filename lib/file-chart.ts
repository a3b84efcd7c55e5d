// A chart is one output file: `file` is its path inside dist/<cluster>/, and the
// numeric prefix orders `kubectl apply -R` (namespace, RBAC, operator, then custom resources).
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';

export class FileChart extends Chart {
  constructor(
    scope: App,
    /** Path relative to the cluster folder, without extension, e.g. `20-prometheus` or `secrets/thanos-sidecar-tls`. */
    readonly file: string,
  ) {
    // '/' separates construct paths; keep the id flat.
    super(scope, file.replace(/\//g, '--'), { disableResourceNameHashes: true });
  }
}

/** Files holding key material go here; dist/.gitignore keeps them out of Git. */
export const SECRETS_DIR = 'secrets';

/**
 * The objects of every chart of `app`, in apply order, as JSON: what calling toJson() on each chart
 * returns, but with the App resolved once. Chart.toJson() resolves the dependencies and validates
 * the whole App on every call, which made a cluster's synthesis quadratic in its number of files.
 */
export function synthCharts(app: App): { chart: FileChart; objects: ReturnType<FileChart['toJson']> }[] {
  const charts = app.charts as FileChart[];
  // The first call resolves and validates the App; for the others, the rest of toJson() (cdk8s
  // 2.x): the chart's own objects (not those of nested charts) in dependency order.
  return charts.map((chart, i) => ({
    chart,
    objects: i === 0 ? chart.toJson() : new DependencyGraph(chart.node).topology().flatMap((c) => (c instanceof ApiObject && Chart.of(c) === chart ? [c.toJson()] : [])),
  }));
}
