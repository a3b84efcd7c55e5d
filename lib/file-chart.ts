// A chart is one output file: `file` is its path inside dist/<cluster>/, and the
// numeric prefix orders `kubectl apply -f <folder>/` (namespace, RBAC, operator, then custom resources).
import { App, Chart } from 'cdk8s';

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

/** The charts of `app`; each is one output file, so each must be a FileChart. */
export function fileCharts(app: App): FileChart[] {
  return app.charts.map((chart) => {
    // Not `instanceof`: cdk8s' Chart[Symbol.hasInstance] says yes to any chart.
    if (Object.prototype.isPrototypeOf.call(FileChart.prototype, chart)) return chart as FileChart;
    throw new Error(`${chart.node.path} is a Chart but not a FileChart: it would have no output file`);
  });
}
