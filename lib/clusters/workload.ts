// A workload cluster: Prometheus Operator, Prometheus + Thanos sidecar, Alertmanager, exporters, monitors.
// File numbers are the apply order: 10-19 operator and its RBAC, then the custom resources and
// what they need (the monitoring.coreos.com CRDs are installed beforehand, see README).
import { App } from 'cdk8s';
import { Alertmanager, ALERTMANAGER_SERVICE } from '../components/alertmanager';
import { KubeStateMetrics } from '../components/kube-state-metrics';
import { AppMonitors, StackMonitors } from '../components/monitors';
import { NodeExporter } from '../components/node-exporter';
import { PrometheusOperator } from '../components/operator';
import { Prometheus, prometheusPodSelector } from '../components/prometheus';
import { StackRules } from '../components/rules';
import { ThanosSidecar } from '../components/thanos-sidecar';
import { FileChart } from '../file-chart';
import type { WorkloadCluster } from '../fleet/model';
import type { ClusterContext } from './context';

export function addWorkloadCharts(app: App, ctx: ClusterContext<WorkloadCluster>): void {
  const { cluster } = ctx;
  const { stack } = cluster;
  if (stack.operator.enabled) new PrometheusOperator(new FileChart(app, '10-operator'), 'operator', { cluster });
  new Prometheus(new FileChart(app, '20-prometheus'), 'prometheus', {
    cluster,
    alertmanagerService: stack.alertmanager.enabled ? ALERTMANAGER_SERVICE : undefined,
  });
  new ThanosSidecar(new FileChart(app, '21-thanos-sidecar'), 'thanos-sidecar', { cluster, podSelector: prometheusPodSelector() });
  if (stack.alertmanager.enabled) new Alertmanager(new FileChart(app, '30-alertmanager'), 'alertmanager', { cluster });
  if (stack.nodeExporter.enabled) new NodeExporter(new FileChart(app, '40-node-exporter'), 'node-exporter', { cluster });
  if (stack.kubeStateMetrics.enabled) new KubeStateMetrics(new FileChart(app, '41-kube-state-metrics'), 'kube-state-metrics', { cluster });
  new StackMonitors(new FileChart(app, '50-monitors'), 'monitors', { cluster });
  if (stack.rules.enabled) new StackRules(new FileChart(app, '55-rules'), 'rules', { cluster });
  if (cluster.workload.serviceMonitors.length || cluster.workload.podMonitors.length) {
    new AppMonitors(new FileChart(app, '60-app-monitors'), 'app-monitors', { cluster });
  }
}
