// A workload cluster of the fleet: the WorkloadMonitoring stack with the cluster's settings, one
// file per component. File numbers are the apply order: 10-19 the operator and its RBAC, then the
// custom resources and what they need (the monitoring.coreos.com CRDs are installed beforehand).
import { App } from 'cdk8s';
import { SIDECAR_TLS_SECRET } from '../components/thanos-sidecar';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { isObserver, type WorkloadCluster } from '../fleet/model';
import type { FleetPki } from '../pki';
import { WorkloadMonitoring, type WorkloadMonitoringProps, type WorkloadPartId } from '../stacks/workload-monitoring';
import type { ClusterContext } from './context';

/** The output file of each part. */
export const WORKLOAD_FILES: Record<WorkloadPartId, string> = {
  namespace: '00-namespace',
  'priority-quota': '05-priority-quota',
  'network-policies': '06-network-policies',
  operator: '10-operator',
  prometheus: '20-prometheus',
  'sidecar-endpoint': '21-thanos-sidecar',
  alertmanager: '30-alertmanager',
  'node-exporter': '40-node-exporter',
  'kube-state-metrics': '41-kube-state-metrics',
  monitors: '50-monitors',
  rules: '55-rules',
  'app-monitors': '60-app-monitors',
  'sidecar-tls': `${SECRETS_DIR}/${SIDECAR_TLS_SECRET}`,
};

/**
 * The stack of a workload cluster as its fleet file declares it, with the sidecar certificate of
 * `pki`. The Namespace is left out: the app renders it once per cluster, whatever its roles.
 */
export function workloadMonitoringProps(cluster: WorkloadCluster, pki?: Pick<FleetPki, 'sidecar'>): WorkloadMonitoringProps {
  const { stack, workload } = cluster;
  const { sidecar } = workload;
  return {
    namespace: stack.namespace,
    createNamespace: false,
    imageRegistry: stack.imageRegistry,
    versions: stack.versions,
    monitorSelector: stack.monitorSelector,
    prometheus: { ...stack.prometheus, externalLabels: workload.externalLabels },
    thanosSidecar: {
      hosts: sidecar.endpoints.map((e) => e.host),
      // Behind an Ingress the observer dials the controller's port; the Services keep the default.
      port: sidecar.ingress ? undefined : sidecar.endpoints[0]?.port,
      service: sidecar.service,
      ingress: sidecar.ingress,
      listenLocal: sidecar.listenLocal,
      objectStorage: sidecar.objectStorage,
      certificates: pki?.sidecar(cluster.name),
      resources: stack.thanosSidecar.resources,
    },
    operator: stack.operator,
    alertmanager: stack.alertmanager,
    nodeExporter: stack.nodeExporter,
    kubeStateMetrics: stack.kubeStateMetrics,
    kubelet: stack.kubelet,
    rules: stack.rules,
    // An observer in the same cluster dials this Prometheus' sidecars in-cluster (see querierEndpoints).
    networkPolicies: { ...stack.networkPolicies, querierInNamespace: isObserver(cluster) },
    serviceMonitors: workload.serviceMonitors,
    podMonitors: workload.podMonitors,
  };
}

export function addWorkloadCharts(app: App, ctx: ClusterContext<WorkloadCluster>): void {
  // A PKI that withholds its keys (a synth in CI without the store) renders no Secret.
  const pki = ctx.pki.withheld ? undefined : ctx.pki;
  for (const p of WorkloadMonitoring.parts(workloadMonitoringProps(ctx.cluster, pki))) p.build(new FileChart(app, WORKLOAD_FILES[p.id]));
}
