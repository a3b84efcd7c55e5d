// An observer cluster of the fleet: the ObserverMonitoring stack over every workload cluster's
// sidecar, one file per component (its NetworkPolicies in 69, the Thanos components in 70-79, the TLS Secrets
// under secrets/).
import { App } from 'cdk8s';
import { bucketAccess } from '../components/objstore';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET } from '../components/tls-secret';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { DEFAULT_QUERIER_INGRESS } from '../fleet/defaults';
import { isWorkload, type FleetModel, type ObserverCluster } from '../fleet/model';
import type { FleetPki } from '../pki';
import { ObserverMonitoring, type ObserverMonitoringProps, type ObserverPartId } from '../stacks/observer-monitoring';
import type { ClusterContext } from './context';
import { querierEndpoints, storeEndpointOf } from './endpoints';
import { assertObserverWiring } from './observer-checks';

/** The output file of each part. */
export const OBSERVER_FILES: Record<ObserverPartId, string> = {
  namespace: '00-namespace',
  'network-policies': '69-network-policies',
  querier: '70-querier',
  'store-gateway': '71-store-gateway',
  compactor: '73-compactor',
  'querier-tls': `${SECRETS_DIR}/${QUERIER_TLS_SECRET}`,
  'store-gateway-tls': `${SECRETS_DIR}/${STORE_GATEWAY_TLS_SECRET}`,
  // File names stay fixed whatever the Secret is called, so a renamed Secret replaces its file.
  'querier-ingress-tls': `${SECRETS_DIR}/${DEFAULT_QUERIER_INGRESS.tls.secretName}`,
  'querier-basic-auth': `${SECRETS_DIR}/${DEFAULT_QUERIER_INGRESS.auth.secretName}`,
};

/**
 * The stack of an observer cluster as its fleet file declares it, with the certificates of `pki`.
 * The Namespace is left out: the app renders it once per cluster, whatever its roles.
 */
export function observerMonitoringProps(
  fleet: FleetModel,
  cluster: ObserverCluster,
  pki?: Pick<FleetPki, 'querier' | 'storeGateway' | 'querierIngress' | 'querierBasicAuth'>,
): ObserverMonitoringProps {
  const { stack } = cluster;
  const { querier, replicaLabel } = cluster.observer;
  const endpoints = querierEndpoints(fleet, cluster);
  const gateway = querier.storeGateway;
  const compactor = querier.compactor;
  return {
    sidecars: endpoints.filter((e) => e.source.kind === 'sidecar').map(storeEndpointOf),
    namespace: stack.namespace,
    createNamespace: false,
    imageRegistry: stack.imageRegistry,
    imagePullSecrets: stack.imagePullSecrets,
    versions: { thanos: stack.versions.thanos },
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
    },
  };
}

export function addObserverCharts(app: App, ctx: ClusterContext<ObserverCluster>): void {
  const { fleet, cluster } = ctx;
  // A PKI that withholds its keys (a synth in CI without the store) renders no Secret, and has no certificate to check.
  const pki = ctx.pki.withheld ? undefined : ctx.pki;
  // Wrong wiring fails the synth here, before any file of the new dist/ is swapped in.
  assertObserverWiring(fleet, cluster, pki);
  for (const p of ObserverMonitoring.parts(observerMonitoringProps(fleet, cluster, pki))) p.build(new FileChart(app, OBSERVER_FILES[p.id]));
}
