// A workload cluster of the fleet: the WorkloadMonitoring stack with the cluster's settings, one
// file per component. File numbers are the apply order: 10-19 the operator and its RBAC, then the
// custom resources and what they need (the monitoring.coreos.com CRDs are installed beforehand).
import { App } from 'cdk8s';
import { RECEIVER_CREDENTIALS_SECRET } from '../components/alertmanager';
import { ControlPlaneServices, ETCD_CLIENT_SECRET } from '../components/control-plane';
import { AppMonitors } from '../components/monitors';
import { SIDECAR_TLS_SECRET } from '../components/thanos-sidecar';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { appMonitorNamespaces, hasDiscoveryServices, isObserver, type WorkloadCluster } from '../fleet/model';
import { KUBE_SYSTEM } from '../fleet/platforms';
import type { FleetPki } from '../pki';
import { observerRuleNeeds } from '../stacks/rule-needs';
import { WorkloadMonitoring, type WorkloadMonitoringProps, type WorkloadPartId } from '../stacks/workload-monitoring';
import { bucketAccess } from '../components/objstore';
import type { ClusterContext } from './context';
import { assertRuleSettings } from './rule-checks';
import { receiverCredentials } from './receiver-credentials';

/** The parts outside the stack namespace, rendered into a folder of their own (see buildAppMonitorsApp). */
type ElsewherePart = 'app-monitors' | 'control-plane-services';

/**
 * The output file of each part. The application monitors and the control plane's Services in kube-system are
 * not among them: they go to a folder of their own (see buildAppMonitorsApp).
 */
export const WORKLOAD_FILES: Record<Exclude<WorkloadPartId, ElsewherePart>, string> = {
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
  'control-plane': '51-control-plane',
  rules: '55-rules',
  'sidecar-tls': `${SECRETS_DIR}/${SIDECAR_TLS_SECRET}`,
  'etcd-client-tls': `${SECRETS_DIR}/${ETCD_CLIENT_SECRET}`,
  'receiver-credentials': `${SECRETS_DIR}/${RECEIVER_CREDENTIALS_SECRET}`,
};

/**
 * The stack of a workload cluster as its fleet file declares it, with the sidecar certificate of
 * `pki`. The Namespace is left out: the app renders it once per cluster, whatever its roles.
 */
export function workloadMonitoringProps(
  cluster: WorkloadCluster,
  pki?: Pick<FleetPki, 'sidecar' | 'etcdClient' | 'dir' | 'storeText'>,
): WorkloadMonitoringProps {
  const { stack, workload } = cluster;
  const { sidecar } = workload;
  return {
    namespace: stack.namespace,
    createNamespace: false,
    imageRegistry: stack.imageRegistry,
    imagePullSecrets: stack.imagePullSecrets,
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
      objectStorage: sidecar.bucket && bucketAccess(sidecar.bucket.name, sidecar.bucket.spec),
      certificates: pki?.sidecar(cluster.name),
      resources: stack.thanosSidecar.resources,
    },
    operator: stack.operator,
    alertmanager: { ...stack.alertmanager, credentials: pki && stack.alertmanager.enabled ? receiverCredentials(cluster, pki) : undefined },
    nodeExporter: stack.nodeExporter,
    kubeStateMetrics: stack.kubeStateMetrics,
    kubelet: stack.kubelet,
    platform: cluster.platform,
    controlPlaneExclude: cluster.controlPlaneExclude,
    // Without the client files a platform's etcd is not scraped (the summary says so: see controlPlaneNotes).
    etcd: cluster.etcd && { certificates: pki?.etcdClient(cluster.name), serverName: cluster.etcd.serverName },
    rules: stack.rules,
    // An observer in the same cluster dials this Prometheus' sidecars in-cluster (see querierEndpoints).
    networkPolicies: {
      ...stack.networkPolicies,
      querierInNamespace: isObserver(cluster),
      probedInNamespace: isObserver(cluster) && cluster.observer.querier.probes.enabled,
      grafanaInNamespace: isObserver(cluster) && !!cluster.observer.grafana?.localAlertmanager,
      // The observer's ThanosRuler (see observerMonitoringProps) sends to this Alertmanager.
      thanosRulerInNamespace: isObserver(cluster) && stack.alertmanager.enabled,
    },
    // The observer's Thanos servers and store probes next to this Prometheus, which scrapes and drives them: their rule
    // families come along.
    needsMetBeside: isObserver(cluster)
      ? observerRuleNeeds({
          probes: cluster.observer.querier.probes,
          storeGateway: !!cluster.observer.querier.storeGateway,
          compactor: !!cluster.observer.querier.compactor,
        })
      : undefined,
    serviceMonitors: workload.serviceMonitors,
    podMonitors: workload.podMonitors,
  };
}

export function addWorkloadCharts(app: App, ctx: ClusterContext<WorkloadCluster>): void {
  // A PKI that withholds its keys (a synth in CI without the store) renders no Secret.
  const pki = ctx.pki.withheld ? undefined : ctx.pki;
  if (ctx.cluster.stack.rules.enabled) assertRuleSettings(ctx.fleet);
  const props = workloadMonitoringProps(ctx.cluster, pki);
  for (const p of WorkloadMonitoring.parts({ ...props, serviceMonitors: [], podMonitors: [] })) {
    if (p.id !== 'app-monitors' && p.id !== 'control-plane-services') p.build(new FileChart(app, WORKLOAD_FILES[p.id]));
  }
}

/**
 * Folder of dist/ with the application monitors, `<cluster>/<namespace>.yaml`. They live in the
 * applications' namespaces, which promfleet does not create: kept out of the cluster's folder, they are
 * applied (and synced by Argo CD) apart from the stack, so that a namespace that does not exist yet
 * fails only its own monitors. The leading "_" keeps it apart from cluster folders (DNS labels).
 */
export const APP_MONITORS_DIR = '_app-monitors';

/**
 * The application monitors of a workload cluster, one file per namespace, in an App of their own
 * (rendered into `APP_MONITORS_DIR/<cluster>/`), with the control plane's discovery Services in
 * `kube-system.yaml`; none when the cluster has neither.
 */
export function buildAppMonitorsApp(cluster: WorkloadCluster, outdir: string): App | undefined {
  const namespaces = appMonitorNamespaces(cluster);
  if (!namespaces.length) return undefined;
  const app = new App({ outdir });
  const { serviceMonitors, podMonitors } = cluster.workload;
  for (const ns of namespaces) {
    const chart = new FileChart(app, ns);
    new AppMonitors(chart, 'app-monitors', {
      monitorSelector: cluster.stack.monitorSelector,
      serviceMonitors: serviceMonitors.filter((m) => m.namespace === ns),
      podMonitors: podMonitors.filter((m) => m.namespace === ns),
    });
    // The control plane's discovery Services (see ControlPlaneMonitors): in kube-system, so applied apart like the monitors.
    if (ns === KUBE_SYSTEM && hasDiscoveryServices(cluster)) {
      new ControlPlaneServices(chart, 'control-plane-services', { platform: cluster.platform, etcd: cluster.etcd && {}, exclude: cluster.controlPlaneExclude });
    }
  }
  return app;
}
