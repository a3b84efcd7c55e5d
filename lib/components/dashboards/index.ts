// The fleet's Grafana dashboards, built with the Grafana Foundation SDK and provisioned from ConfigMaps.
import { alertmanager } from './alertmanager';
import { apiserver } from './apiserver';
import { computeResourcesCluster } from './compute-resources-cluster';
import { computeResourcesNamespace } from './compute-resources-namespace';
import { computeResourcesPod } from './compute-resources-pod';
import { computeResourcesWorkload } from './compute-resources-workload';
import { fleetOverview } from './fleet-overview';
import { kubelet } from './kubelet';
import { nodes } from './nodes';
import { persistentVolumes } from './persistent-volumes';
import { prometheus } from './prometheus';
import { thanosCompact } from './thanos-compact';
import { thanosQuery } from './thanos-query';
import { thanosSidecar } from './thanos-sidecar';
import { thanosStore } from './thanos-store';

export { CLUSTER, COMPACT_JOB, DASHBOARD_TAG, DATASOURCE, SIDECAR_PROBE_CLUSTER_LABEL, SIDECAR_PROBE_JOB } from './common';

/** One dashboard as Grafana's file provisioning reads it. */
export interface FleetDashboard {
  /** Stable uid: links and bookmarks survive a re-render. */
  readonly uid: string;
  readonly title: string;
  /** The key of the dashboard in its ConfigMap, e.g. "fleet-overview.json". */
  readonly fileName: string;
  /** The dashboard model (JSON-serialisable), as the SDK's builder made it. */
  readonly model: object;
}

/** Every dashboard, in the order Grafana lists them: the fleet first, then Kubernetes, Prometheus, Thanos. */
const BUILDERS: readonly (() => FleetDashboard)[] = [
  fleetOverview,
  computeResourcesCluster,
  computeResourcesNamespace,
  computeResourcesWorkload,
  computeResourcesPod,
  nodes,
  persistentVolumes,
  apiserver,
  kubelet,
  prometheus,
  alertmanager,
  thanosQuery,
  thanosSidecar,
  thanosStore,
  thanosCompact,
];

// The dashboards depend on nothing of the fleet: every observer shares one set, built once per process
// (a synth of a thousand clusters builds them once, not per observer).
let built: readonly FleetDashboard[] | undefined;

/** Every dashboard an observer's Grafana provisions, in a stable order. Built on first use, then shared: do not mutate. */
export function fleetDashboards(): readonly FleetDashboard[] {
  return (built ??= Object.freeze(BUILDERS.map((build) => Object.freeze(build()))));
}
