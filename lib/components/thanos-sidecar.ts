// The Thanos sidecar in each Prometheus pod: its part of the Prometheus spec (spec.thanos), serving
// the StoreAPI with mTLS. How the observer reaches it is ThanosSidecarEndpoint (sidecar-endpoint.ts);
// the certificate comes from lib/pki, in a TlsSecret.
import {
  PrometheusSpecThanos,
  PrometheusSpecThanosGrpcServerTlsConfigMinVersion,
  PrometheusSpecThanosResourcesLimits,
  PrometheusSpecThanosResourcesRequests,
} from '../../imports/prometheus-monitoring.coreos.com';
import { DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { image } from '../meta';
import { resourceRequirements } from './common';
import type { BucketAccess } from './objstore';

/** kubernetes.io/tls Secret holding the sidecar's server certificate and the client CA. */
export const SIDECAR_TLS_SECRET = 'thanos-sidecar-tls';
/** Where the thanos container mounts that Secret (spec.secrets adds it as volume `secret-<name>`). */
export const SIDECAR_TLS_MOUNT = `/etc/thanos/tls`;
export const SIDECAR_GRPC_PORT = 10901;
export const SIDECAR_HTTP_PORT = 10902;
/** Name of the Service port (on `prometheus-k8s`) that exposes the sidecar's HTTP metrics in-cluster. */
export const SIDECAR_HTTP_PORT_NAME = 'thanos-http';
/** `job` label of the sidecar's metrics (its ServiceMonitor shares the Prometheus Service). */
export const SIDECAR_JOB = 'thanos-sidecar';
/** The duration of the blocks the sidecar uploads: Prometheus' min and max block duration. */
export const UPLOAD_BLOCK_SIZE = '2h';
/** The pod volume of a filesystem bucket shared by the sidecars. */
export const BUCKET_VOLUME = 'bucket';
/** Container port name the operator gives the sidecar's gRPC port. */
export const SIDECAR_GRPC_PORT_NAME = 'grpc';

export interface ThanosSidecarProps {
  /**
   * Thanos release of the sidecar.
   * @default DEFAULT_VERSIONS.thanos
   */
  readonly version?: string;
  /**
   * kubernetes.io/tls Secret, in the Prometheus namespace, with the sidecar's server certificate
   * (tls.crt, tls.key) and the CA of the client certificates it accepts (ca.crt): the sidecar
   * serves gRPC with mTLS only.
   * @default "thanos-sidecar-tls"
   */
  readonly tlsSecret?: string;
  /**
   * Listen on 127.0.0.1 only, out of reach of anything outside the pod (a Querier included).
   * @default false
   */
  readonly listenLocal?: boolean;
  /**
   * Key of a Secret with a Thanos object storage configuration, and the bucket's identity or volume: the
   * sidecar uploads every block there.
   * @default no upload
   */
  readonly objectStorage?: BucketAccess;
  /**
   * Resources of the sidecar container.
   * @default DEFAULT_STACK.thanosSidecar.resources
   */
  readonly resources?: Resources;
}

/** spec.thanos of a Prometheus: the sidecar, serving the StoreAPI with mTLS. */
export function sidecarSpec(props: ThanosSidecarProps, imageRegistry?: string): PrometheusSpecThanos {
  const version = props.version ?? DEFAULT_VERSIONS.thanos;
  const secret = props.tlsSecret ?? SIDECAR_TLS_SECRET;
  return {
    image: image('quay.io/thanos/thanos', version, imageRegistry),
    version,
    // Reachable from outside the pod: the observer dials it through the Service.
    listenLocal: props.listenLocal || undefined,
    grpcServerTlsConfig: {
      certFile: `${SIDECAR_TLS_MOUNT}/tls.crt`,
      keyFile: `${SIDECAR_TLS_MOUNT}/tls.key`,
      // A CA makes the sidecar require and verify client certificates.
      caFile: `${SIDECAR_TLS_MOUNT}/ca.crt`,
      minVersion: PrometheusSpecThanosGrpcServerTlsConfigMinVersion.TLS13,
    },
    volumeMounts: [
      { name: `secret-${secret}`, mountPath: SIDECAR_TLS_MOUNT, readOnly: true },
      // A filesystem bucket: the shared volume the Prometheus pod mounts (see Prometheus' spec.volumes).
      ...(props.objectStorage?.sharedVolume ? [{ name: BUCKET_VOLUME, mountPath: props.objectStorage.sharedVolume.mountPath }] : []),
    ],
    // Without requests the scheduler does not count the sidecar, and it is the first to be evicted.
    resources: resourceRequirements(
      props.resources ?? DEFAULT_STACK.thanosSidecar.resources,
      (v) => PrometheusSpecThanosResourcesLimits.fromString(v),
      (v) => PrometheusSpecThanosResourcesRequests.fromString(v),
    ),
    // Uploads are of 2-hour blocks, which the compactor then compacts. The operator makes Prometheus cut blocks of
    // blockSize (min = max block duration) when spec.disableCompaction is set (see Prometheus).
    ...(props.objectStorage ? { objectStorageConfig: { name: props.objectStorage.name, key: props.objectStorage.key }, blockSize: UPLOAD_BLOCK_SIZE } : {}),
  };
}
