// An observer cluster of the fleet: the ObserverMonitoring stack over every workload cluster's
// sidecar, one file per component (its NetworkPolicies in 69, the Thanos components in 70-79, Grafana in 80-81,
// the Secrets under secrets/).
import { App } from 'cdk8s';
import { querierApiUrl } from '../components/query-frontend';
import { bucketAccess } from '../components/objstore';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET } from '../components/tls-secret';
import { alertmanagerServiceUrl } from '../components/alertmanager';
import { fleetDashboards } from '../components/dashboards';
import { GRAFANA_ADMIN_SECRET, GRAFANA_OAUTH_SECRET } from '../components/grafana-secrets';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { DEFAULT_GRAFANA_INGRESS, DEFAULT_QUERIER_INGRESS } from '../fleet/defaults';
import { isWorkload, type FleetModel, type ObserverCluster, type WorkloadCluster } from '../fleet/model';
import type { FleetPki } from '../pki';
import { ObserverMonitoring, type ObserverMonitoringProps, type ObserverPartId, type ObserverThanosRulerOptions } from '../stacks/observer-monitoring';
import type { ClusterContext } from './context';
import { querierEndpoints, storeEndpointOf, type FleetStoreEndpoint } from './endpoints';
import { assertObserverWiring } from './observer-checks';
import { grafanaClientSecret } from './receiver-credentials';

/** The output file of each part. */
export const OBSERVER_FILES: Record<ObserverPartId, string> = {
  namespace: '00-namespace',
  'network-policies': '69-network-policies',
  querier: '70-querier',
  'store-gateway': '71-store-gateway',
  'query-frontend': '72-query-frontend',
  'blackbox-exporter': '76-blackbox-exporter',
  'sidecar-probes': '77-sidecar-probes',
  'thanos-ruler': '75-thanos-ruler',
  compactor: '73-compactor',
  'querier-tls': `${SECRETS_DIR}/${QUERIER_TLS_SECRET}`,
  'store-gateway-tls': `${SECRETS_DIR}/${STORE_GATEWAY_TLS_SECRET}`,
  // File names stay fixed whatever the Secret is called, so a renamed Secret replaces its file.
  'querier-ingress-tls': `${SECRETS_DIR}/${DEFAULT_QUERIER_INGRESS.tls.secretName}`,
  'querier-basic-auth': `${SECRETS_DIR}/${DEFAULT_QUERIER_INGRESS.auth.secretName}`,
  grafana: '80-grafana',
  'grafana-dashboards': '81-grafana-dashboards',
  'grafana-admin': `${SECRETS_DIR}/${GRAFANA_ADMIN_SECRET}`,
  'grafana-oauth': `${SECRETS_DIR}/${GRAFANA_OAUTH_SECRET}`,
  'grafana-ingress-tls': `${SECRETS_DIR}/${DEFAULT_GRAFANA_INGRESS.tls.secretName}`,
};

/**
 * The scrape interval Grafana steps by: the longest of the fleet's workload clusters, so that `$__rate_interval`
 * holds enough samples of every cluster.
 */
export function fleetScrapeInterval(fleet: FleetModel): string | undefined {
  let longest: { text: string; ms: number } | undefined;
  for (const c of fleet.clusters) {
    if (!isWorkload(c)) continue;
    const text = c.stack.prometheus.scrapeInterval;
    const ms = durationMs(text);
    if (!longest || ms > longest.ms) longest = { text, ms };
  }
  return longest?.text;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };

/** A Prometheus duration (the schema checked its form) in milliseconds. */
function durationMs(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/**
 * The stack of an observer cluster as its fleet file declares it, with the certificates of `pki`.
 * The Namespace is left out: the app renders it once per cluster, whatever its roles.
 */
export function observerMonitoringProps(
  fleet: FleetModel,
  cluster: ObserverCluster,
  pki?: Pick<FleetPki, 'querier' | 'storeGateway' | 'querierIngress' | 'querierBasicAuth' | 'grafanaIngress' | 'grafanaAdmin' | 'dir' | 'storeText'>,
): ObserverMonitoringProps {
  const { stack } = cluster;
  const { querier, replicaLabel, grafana } = cluster.observer;
  const endpoints = querierEndpoints(fleet, cluster);
  const gateway = querier.storeGateway;
  const compactor = querier.compactor;
  return {
    sidecars: endpoints.flatMap((e) => (e.source.kind === 'sidecar' ? [{ ...storeEndpointOf(e), cluster: e.source.cluster.name }] : [])),
    namespace: stack.namespace,
    createNamespace: false,
    imageRegistry: stack.imageRegistry,
    imagePullSecrets: stack.imagePullSecrets,
    versions: { thanos: stack.versions.thanos, blackboxExporter: stack.versions.blackboxExporter, grafana: stack.versions.grafana },
    // An observer that is also a workload cluster scrapes its Thanos servers with its own Prometheus.
    monitorSelector: isWorkload(cluster) ? stack.monitorSelector : undefined,
    querier: {
      replicas: querier.replicas,
      resources: querier.resources,
      placement: querier.placement,
      ingress: querier.ingress,
      replicaLabel,
      certificates: pki?.querier(cluster.name),
      extraStores: endpoints.filter((e) => e.source.kind === 'extra').map(storeEndpointOf),
      ingressCertificates: querier.ingress?.tls.source === 'pki' ? pki?.querierIngress(cluster.name) : undefined,
      ingressBasicAuth: querier.ingress?.auth.type === 'basic' ? pki?.querierBasicAuth(cluster.name) : undefined,
    },
    networkPolicies: { enabled: stack.networkPolicies.enabled, querierClients: stack.networkPolicies.querierClients },
    // Driven by the Prometheus of monitorSelector: rendered where there is one.
    probes: querier.probes,
    grafana: grafana && {
      replicas: grafana.replicas,
      resources: grafana.resources,
      placement: grafana.placement,
      ingress: grafana.ingress,
      persistence: grafana.persistence,
      auth: grafana.auth,
      adminUser: grafana.adminUser,
      alertmanagers: grafana.alertmanagers,
      // Its own Alertmanager, in the same namespace, where the observer is also a workload cluster that runs one.
      localAlertmanagerUrl:
        grafana.localAlertmanager && isWorkload(cluster) && stack.alertmanager.enabled ? alertmanagerServiceUrl(stack.namespace) : undefined,
      scrapeInterval: fleetScrapeInterval(fleet),
      // The same dashboards on every observer.
      dashboards: fleetDashboards(),
      admin: pki?.grafanaAdmin(cluster.name),
      oauthClientSecret: pki && grafana.auth.type === 'oidc' ? grafanaClientSecret(cluster, grafana.auth, pki) : undefined,
      ingressCertificates: grafana.ingress?.tls.source === 'pki' ? pki?.grafanaIngress(cluster.name) : undefined,
    },
    thanosRuler: thanosRulerOptions(cluster, endpoints),
    compactor: compactor && {
      objectStorage: bucketAccess(compactor.bucket.name, compactor.bucket.spec),
      retention: compactor.retention,
      downsampling: compactor.downsampling.enabled,
      // The label every workload cluster's Prometheus tells its replicas apart by (the fleet checks make it one).
      deduplicationReplicaLabel: compactor.deduplication.enabled ? replicaLabel : undefined,
      storage: compactor.storage,
      resources: compactor.resources,
      placement: compactor.placement,
    },
    storeGateway: gateway && {
      objectStorage: bucketAccess(gateway.bucket.name, gateway.bucket.spec),
      replicas: gateway.replicas,
      resources: gateway.resources,
      placement: gateway.placement,
      storage: gateway.storage,
      tls: gateway.tls,
      certificates: gateway.tls ? pki?.storeGateway(cluster.name) : undefined,
      indexCache: gateway.indexCache,
      sharding: gateway.sharding,
    },
    queryFrontend: querier.frontend && {
      replicas: querier.frontend.replicas,
      resources: querier.frontend.resources,
      placement: querier.frontend.placement,
      splitInterval: querier.frontend.splitInterval,
      maxRetries: querier.frontend.maxRetries,
      cache: querier.frontend.cache,
    },
  };
}

/**
 * The URL of the observer's Querier HTTP API as in-cluster clients (Grafana's datasource) should use it: the
 * query frontend's Service when the observer has one, else the Querier's.
 */
export function observerQueryUrl(cluster: ObserverCluster): string {
  return querierApiUrl(cluster.stack.namespace, !!cluster.observer.querier.frontend);
}

/**
 * The fleet-level alerts of an observer that monitors itself (it runs the operator's kinds and an Alertmanager): over
 * every Prometheus its Querier reads, each known by its `cluster` external label. None without an Alertmanager to send to.
 */
function thanosRulerOptions(cluster: ObserverCluster, endpoints: FleetStoreEndpoint[]): ObserverThanosRulerOptions | undefined {
  if (!isWorkload(cluster) || !cluster.stack.alertmanager.enabled) return undefined;
  const read = new Map<string, WorkloadCluster>();
  for (const e of endpoints) if (e.source.kind === 'sidecar') read.set(e.source.cluster.name, e.source.cluster);
  const { rules } = cluster.stack;
  const { replicas, evaluationInterval, resources, placement } = cluster.observer.querier.ruler;
  return {
    replicas,
    evaluationInterval,
    resources,
    placement,
    observer: cluster.workload.externalLabels.cluster,
    clusters: [...read.values()].map((w) => ({ name: w.workload.externalLabels.cluster, watchdog: evaluatesWatchdog(w) })),
    // Which observer's ruler sent an alert; never `cluster`, which Thanos would write over the alert's own.
    labels: { [RULER_OBSERVER_LABEL]: cluster.name },
    overrides: rules.enabled ? { disabled: rules.disabled, alerts: rules.alerts } : undefined,
    controllerId: cluster.stack.operator.controllerId,
  };
}

/** The external label of an observer's ThanosRuler: the observer that evaluated a fleet alert. */
export const RULER_OBSERVER_LABEL = 'observer';

/** Whether the cluster's Prometheus evaluates the always-firing Watchdog (see the general rule family). */
function evaluatesWatchdog(w: WorkloadCluster): boolean {
  const { enabled, disabled } = w.stack.rules;
  return enabled && !disabled.groups.includes('general.rules') && !disabled.alerts.includes('Watchdog');
}

export function addObserverCharts(app: App, ctx: ClusterContext<ObserverCluster>): void {
  const { fleet, cluster } = ctx;
  // A PKI that withholds its keys (a synth in CI without the store) renders no Secret, and has no certificate to check.
  const pki = ctx.pki.withheld ? undefined : ctx.pki;
  // Wrong wiring fails the synth here, before any file of the new dist/ is swapped in.
  assertObserverWiring(fleet, cluster, pki);
  for (const p of ObserverMonitoring.parts(observerMonitoringProps(fleet, cluster, pki))) p.build(new FileChart(app, OBSERVER_FILES[p.id]));
}
