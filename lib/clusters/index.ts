// One cdk8s App per cluster of the fleet: its Namespace, then the stacks of its roles, one output
// file per component.
import { App } from 'cdk8s';
import { podSecurityLevel, StackNamespace } from '../components/namespace';
import { FileChart } from '../file-chart';
import { isObserver, isWorkload } from '../fleet/model';
import { addBucketCharts } from './buckets';
import type { ClusterContext } from './context';
import { addObserverCharts } from './observer';
import { addWorkloadCharts } from './workload';

/** The file of the cluster's stack Namespace, which the kubectl path applies first (docs/operations.md). */
export const NAMESPACE_FILE = '00-namespace';

export function buildClusterApp(ctx: ClusterContext, outdir: string): App {
  const app = new App({ outdir });
  const { cluster } = ctx;
  // node-exporter (workload role) decides whether the namespace can enforce the restricted profile.
  const podSecurity = podSecurityLevel({ nodeExporter: isWorkload(cluster) && cluster.stack.nodeExporter.enabled });
  new StackNamespace(new FileChart(app, NAMESPACE_FILE), 'namespace', { name: cluster.stack.namespace, podSecurity });
  if (isWorkload(cluster)) addWorkloadCharts(app, { ...ctx, cluster });
  if (isObserver(cluster)) addObserverCharts(app, { ...ctx, cluster });
  addBucketCharts(app, ctx);
  return app;
}
