// The Querier's StoreAPI endpoints, derived from the fleet, and the endpoint sd-config file
// (`thanos query --endpoint.sd-config-file`, Thanos v0.42+) that lists them.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { isWorkload, type FleetModel, type ObserverCluster, type WorkloadCluster } from '../fleet/model';
import { meta } from '../meta';
import { PROMETHEUS_OPERATED_SERVICE, STORE_GATEWAY_NAME } from '../names';
import { PROMETHEUS_NAME } from './prometheus';
import { SIDECAR_GRPC_PORT } from './thanos-sidecar';
import { THANOS_GRPC_PORT } from './thanos-pod';


/** What serves an endpoint, and so which certificate it presents. */
export type EndpointSource =
  | { readonly kind: 'sidecar'; readonly cluster: WorkloadCluster }
  | { readonly kind: 'store-gateway'; readonly cluster: ObserverCluster }
  | { readonly kind: 'extra'; readonly index: number };

export interface StoreEndpoint {
  /** host:port the Querier dials (a static address: Thanos applies per-endpoint TLS only to those). */
  readonly address: string;
  /** Name verified in the server certificate; absent for a plaintext endpoint. */
  readonly serverName?: string;
  readonly source: EndpointSource;
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc`;
}

/**
 * Every StoreAPI the Querier of `observer` reaches, in a stable order: the sidecar of each
 * workload cluster (fleet order), the Store Gateway, then the declared extra stores.
 */
export function querierEndpoints(fleet: FleetModel, observer: ObserverCluster): StoreEndpoint[] {
  const { querier } = observer.observer;
  const out: StoreEndpoint[] = [];
  for (const cluster of fleet.clusters.filter(isWorkload)) {
    if (cluster.name === observer.name) {
      // Its own sidecar is reached in-cluster, one endpoint per replica (pod DNS names under the
      // operator's headless Service), so the Querier sees both HA replicas and deduplicates them.
      const { namespace, prometheus } = cluster.stack;
      for (let i = 0; i < prometheus.replicas; i++) {
        const host = `prometheus-${PROMETHEUS_NAME}-${i}.${serviceHost(PROMETHEUS_OPERATED_SERVICE, namespace)}`;
        out.push({ address: `${host}:${SIDECAR_GRPC_PORT}`, serverName: host, source: { kind: 'sidecar', cluster } });
      }
    } else {
      const { host, port } = cluster.workload.sidecar.endpoint;
      out.push({ address: `${host}:${port}`, serverName: host, source: { kind: 'sidecar', cluster } });
    }
  }
  const gateway = querier.storeGateway;
  if (gateway) {
    const host = serviceHost(STORE_GATEWAY_NAME, observer.stack.namespace);
    out.push({ address: `${host}:${THANOS_GRPC_PORT}`, serverName: gateway.tls ? host : undefined, source: { kind: 'store-gateway', cluster: observer } });
  }
  querier.extraStores.forEach((s, index) => {
    const host = s.address.slice(0, s.address.lastIndexOf(':'));
    out.push({ address: s.address, serverName: s.tls ? (s.serverName ?? host) : undefined, source: { kind: 'extra', index } });
  });
  return out;
}

/** Files of the mounted client Secret (kubernetes.io/tls keys). */
export interface ClientTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/**
 * The sd-config document: `default_client_config` (the fleet-wide client TLS, thanos#8594) and
 * `endpoints[]` of `address` + `client_config`. Every entry also carries its complete client
 * configuration with `enabled` set, so no entry depends on how a given Thanos release merges the
 * default: an entry left to fall back on the global `--grpc-client-tls-*` flags (which we do not set)
 * would be dialled in plaintext.
 */
export function endpointSdConfig(endpoints: StoreEndpoint[], files: ClientTlsFiles): string {
  const tls = { enabled: true, cert_file: files.certFile, key_file: files.keyFile, ca_file: files.caFile };
  const doc = {
    default_client_config: { tls_config: tls },
    endpoints: endpoints.map((e) => ({
      address: e.address,
      client_config: e.serverName ? { tls_config: tls, server_name: e.serverName } : { tls_config: { enabled: false } },
    })),
  };
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

export interface EndpointsConfigMapProps {
  readonly name: string;
  readonly namespace: string;
  /** Key (file name) of the sd-config inside the ConfigMap. */
  readonly key: string;
  readonly endpoints: StoreEndpoint[];
  readonly files: ClientTlsFiles;
}

/** ConfigMap holding the sd-config; Thanos re-reads the mounted file, so changes need no restart. */
export class EndpointsConfigMap extends Construct {
  constructor(scope: Construct, id: string, props: EndpointsConfigMapProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'config', {
      metadata: meta(props.name, 'querier', { namespace: props.namespace, app: 'thanos-querier' }),
      data: { [props.key]: endpointSdConfig(props.endpoints, props.files) },
    });
  }
}
