// The Thanos sidecar: its part of the Prometheus spec (spec.thanos, served with mTLS) and
// how the observer reaches it (the exposing Service). The Secret comes from lib/pki.
import { Construct } from 'constructs';
import { PrometheusSpecThanos, PrometheusSpecThanosGrpcServerTlsConfigMinVersion } from '../../imports/prometheus-monitoring.coreos.com';
import type { ClusterModel } from '../fleet/model';
import { image } from '../meta';

/** kubernetes.io/tls Secret holding the sidecar's server certificate and the client CA. */
export const SIDECAR_TLS_SECRET = 'thanos-sidecar-tls';
/** Where the thanos container mounts that Secret (spec.secrets adds it as volume `secret-<name>`). */
export const SIDECAR_TLS_MOUNT = `/etc/thanos/tls`;
export const SIDECAR_GRPC_PORT = 10901;
export const SIDECAR_HTTP_PORT = 10902;

/** spec.thanos of a workload cluster's Prometheus. */
export function sidecarSpec(cluster: ClusterModel): PrometheusSpecThanos {
  const { versions, imageRegistry } = cluster.stack;
  const sidecar = cluster.sidecar!;
  return {
    image: image('quay.io/thanos/thanos', versions.thanos, imageRegistry),
    version: versions.thanos,
    // Reachable from outside the pod: the observer dials it through the Service.
    listenLocal: sidecar.listenLocal || undefined,
    grpcServerTlsConfig: {
      certFile: `${SIDECAR_TLS_MOUNT}/tls.crt`,
      keyFile: `${SIDECAR_TLS_MOUNT}/tls.key`,
      // A CA makes the sidecar require and verify client certificates.
      caFile: `${SIDECAR_TLS_MOUNT}/ca.crt`,
      minVersion: PrometheusSpecThanosGrpcServerTlsConfigMinVersion.TLS13,
    },
    volumeMounts: [{ name: `secret-${SIDECAR_TLS_SECRET}`, mountPath: SIDECAR_TLS_MOUNT, readOnly: true }],
    ...(sidecar.objectStorage ? { objectStorageConfig: { name: sidecar.objectStorage.name, key: sidecar.objectStorage.key } } : {}),
  };
}

export interface ThanosSidecarProps {
  readonly cluster: ClusterModel;
}

/** Exposure of the sidecar gRPC port to the observer (Service, optional Ingress). */
export class ThanosSidecar extends Construct {
  constructor(scope: Construct, id: string, _props: ThanosSidecarProps) {
    super(scope, id);
  }
}
