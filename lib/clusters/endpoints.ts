// The StoreAPIs the Querier of an observer reaches, derived from the fleet, each with the fleet
// cluster that serves it: the observer checks match every endpoint against that server's certificate.
import type { StoreEndpoint } from '../components/endpoints';
import { prometheusPodName } from '../components/prometheus';
import { storeGatewayEndpoints } from '../components/store-gateway';
import { SIDECAR_GRPC_PORT } from '../components/thanos-sidecar';
import { serviceHost } from '../components/endpoints';
import { isWorkload, sidecarExposed, type FleetModel, type ObserverCluster, type WorkloadCluster } from '../fleet/model';
import { PROMETHEUS_OPERATED_SERVICE } from '../names';

/** What serves an endpoint, and so which certificate it presents. */
export type EndpointSource =
  | { readonly kind: 'sidecar'; readonly cluster: WorkloadCluster }
  | { readonly kind: 'store-gateway'; readonly cluster: ObserverCluster }
  | { readonly kind: 'extra'; readonly index: number };

export interface FleetStoreEndpoint extends StoreEndpoint {
  readonly source: EndpointSource;
}

/**
 * Every StoreAPI the Querier of `observer` reaches, in a stable order: the sidecar of each cluster that
 * runs Prometheus (fleet order), the Store Gateway's shards, then the declared extra stores. Another observer that
 * monitors itself is read only when it declares where its sidecars are reached (thanos.endpoint or ingress).
 */
export function querierEndpoints(fleet: FleetModel, observer: ObserverCluster): FleetStoreEndpoint[] {
  const { querier } = observer.observer;
  const out: FleetStoreEndpoint[] = [];
  for (const cluster of fleet.clusters.filter(isWorkload)) {
    if (cluster.name === observer.name) {
      // Its own sidecar is reached in-cluster, one endpoint per replica (pod DNS names under the
      // operator's headless Service), so the Querier sees both HA replicas and deduplicates them.
      const { namespace, prometheus } = cluster.stack;
      for (let i = 0; i < prometheus.replicas; i++) {
        const host = `${prometheusPodName(i)}.${serviceHost(PROMETHEUS_OPERATED_SERVICE, namespace)}`;
        out.push({ address: `${host}:${SIDECAR_GRPC_PORT}`, serverName: host, source: { kind: 'sidecar', cluster } });
      }
    } else if (sidecarExposed(cluster)) {
      // Every replica on its own name (its load balancer, or its Ingress rule): through one shared
      // address a Querier pod would hold a connection to one replica only.
      for (const { host, port } of cluster.workload.sidecar.endpoints) {
        out.push({ address: `${host}:${port}`, serverName: host, source: { kind: 'sidecar', cluster } });
      }
    }
  }
  const gateway = querier.storeGateway;
  // Each shard of the Store Gateway on its own Service.
  if (gateway) {
    for (const e of storeGatewayEndpoints(observer.stack.namespace, gateway.tls, gateway.sharding))
      out.push({ ...e, source: { kind: 'store-gateway', cluster: observer } });
  }
  querier.extraStores.forEach((s, index) => {
    const host = s.address.slice(0, s.address.lastIndexOf(':'));
    out.push({ address: s.address, serverName: s.tls ? (s.serverName ?? host) : undefined, source: { kind: 'extra', index } });
  });
  return out;
}

/** The endpoint as the Querier's configuration lists it, without its source. */
export function storeEndpointOf(e: FleetStoreEndpoint): StoreEndpoint {
  return { address: e.address, ...(e.serverName ? { serverName: e.serverName } : {}) };
}
