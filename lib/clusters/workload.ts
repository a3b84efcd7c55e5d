// A workload cluster: Prometheus Operator, Prometheus + Thanos sidecar, Alertmanager, exporters, monitors.
import { App } from 'cdk8s';
import { Prometheus } from '../components/prometheus';
import { FileChart } from '../file-chart';
import type { ClusterContext } from './context';

export function addWorkloadCharts(app: App, ctx: ClusterContext): void {
  const { cluster } = ctx;
  new Prometheus(new FileChart(app, '20-prometheus'), 'prometheus', { cluster });
}
