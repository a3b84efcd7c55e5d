// The Querier's StoreAPI endpoints and the endpoint sd-config file that lists them
// (`thanos query --endpoint.sd-config-file`, Thanos v0.42+).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { meta } from '../meta';
import { THANOS_GRPC_PORT } from './thanos-pod';

/** A StoreAPI the Querier reaches. */
export interface StoreEndpoint {
  /** host:port the Querier dials (a static address: Thanos applies per-endpoint TLS only to those). */
  readonly address: string;
  /**
   * Name verified in the server certificate: the Querier dials with mTLS.
   * @default plaintext
   */
  readonly serverName?: string;
}

/** The StoreAPI at `host:port`, dialled with mTLS and verified under `host`, or in plaintext. */
export function storeEndpoint(host: string, port = THANOS_GRPC_PORT, tls = true): StoreEndpoint {
  return { address: `${host}:${port}`, ...(tls ? { serverName: host } : {}) };
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc`;
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
