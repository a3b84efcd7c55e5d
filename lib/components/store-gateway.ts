// The Thanos Store Gateway of an observer: serves the blocks the sidecars uploaded to object
// storage, as one more StoreAPI for the Querier (with mTLS unless switched off).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STORE_GATEWAY, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { image } from '../meta';
import { STORE_GATEWAY_NAME } from '../names';
import { namespaceOf, type PlacedComponentProps, type StackComponentProps } from './base';
import { bucketServiceAccount, type BucketAccess, OBJSTORE_MOUNT, objstoreVolumes, withBucketIdentity } from './objstore';
import { podPlacement } from './common';
import { serviceHost, type StoreEndpoint } from './endpoints';
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras } from './thanos-pod';
import { STORE_GATEWAY_TLS_SECRET } from './tls-secret';

export const STORE_GATEWAY_TLS_MOUNT = '/etc/thanos/tls';
export const STORE_GATEWAY_OBJSTORE_MOUNT = OBJSTORE_MOUNT;
const OBJSTORE_FILE = 'objstore.yaml';
const DATA_DIR = '/var/thanos/store';

/** How a Querier in the same cluster reaches the Store Gateway of `namespace`. */
export function storeGatewayEndpoint(namespace: string, tls: boolean): StoreEndpoint {
  const host = serviceHost(STORE_GATEWAY_NAME, namespace);
  return { address: `${host}:${THANOS_GRPC_PORT}`, ...(tls ? { serverName: host } : {}) };
}

export interface ThanosStoreGatewayProps extends StackComponentProps, PlacedComponentProps {
  /** Key of the Secret with the Thanos object storage configuration (the bucket the sidecars upload to), and its identity or volume. */
  readonly objectStorage: BucketAccess;
  /** @default DEFAULT_VERSIONS.thanos */
  readonly version?: string;
  /** @default 1 */
  readonly replicas?: number;
  /** @default DEFAULT_STORE_GATEWAY.resources */
  readonly resources?: Resources;
  /**
   * A volume per replica for the index cache, which then survives restarts.
   * @default an emptyDir
   */
  readonly storage?: { readonly size: string; readonly storageClassName?: string };
  /**
   * Serve gRPC with mTLS, with the certificate of `tlsSecret`.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * kubernetes.io/tls Secret with the server certificate (tls.crt, tls.key) and the CA of the client
   * certificates it accepts (ca.crt).
   * @default "thanos-store-gateway-tls"
   */
  readonly tlsSecret?: string;
  /**
   * Monitor selector of a Prometheus running next to the Store Gateway: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** StatefulSet, Service, PDB and ServiceMonitor of the Store Gateway. */
export class ThanosStoreGateway extends Construct {
  constructor(scope: Construct, id: string, props: ThanosStoreGatewayProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const replicas = props.replicas ?? DEFAULT_STORE_GATEWAY.replicas;
    const { storage, objectStorage } = props;
    const server = new ThanosServer(STORE_GATEWAY_NAME, 'store-gateway', namespace);
    const tlsSecret = (props.tls ?? DEFAULT_STORE_GATEWAY.tls) ? (props.tlsSecret ?? STORE_GATEWAY_TLS_SECRET) : undefined;
    const args = [
      'store',
      `--data-dir=${DATA_DIR}`,
      `--objstore.config-file=${STORE_GATEWAY_OBJSTORE_MOUNT}/${OBJSTORE_FILE}`,
      `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
      `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
      // A client CA makes the server require and verify client certificates (mTLS).
      ...(tlsSecret
        ? [
            `--grpc-server-tls-cert=${STORE_GATEWAY_TLS_MOUNT}/tls.crt`,
            `--grpc-server-tls-key=${STORE_GATEWAY_TLS_MOUNT}/tls.key`,
            `--grpc-server-tls-client-ca=${STORE_GATEWAY_TLS_MOUNT}/ca.crt`,
          ]
        : []),
    ];
    const bucket = objstoreVolumes(objectStorage, OBJSTORE_FILE);
    const volumeMounts: k8s.VolumeMount[] = [
      { name: 'data', mountPath: DATA_DIR },
      ...bucket.volumeMounts,
      ...(tlsSecret ? [{ name: 'tls', mountPath: STORE_GATEWAY_TLS_MOUNT, readOnly: true }] : []),
    ];
    const volumes: k8s.Volume[] = [
      // The bucket's configuration is a Secret: promfleet's (under secrets/) or yours.
      ...bucket.volumes,
      ...(tlsSecret ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : []),
      // The data dir is only a cache of index headers: an emptyDir works, a volume saves the rebuild on restart.
      ...(storage ? [] : [{ name: 'data', emptyDir: {} }]),
    ];
    const serviceAccountName = bucketServiceAccount(this, 'service-account', {
      name: STORE_GATEWAY_NAME,
      namespace,
      component: 'store-gateway',
      access: objectStorage,
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: server.meta(),
      spec: {
        serviceName: STORE_GATEWAY_NAME,
        replicas,
        // Replicas are interchangeable: start and stop them together.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: server.selector },
        // Workload identity: the ServiceAccount that carries it, and the labels its webhook looks for.
        template: withBucketIdentity(
          thanosPodTemplate(server, {
            image: image('quay.io/thanos/thanos', props.version ?? DEFAULT_VERSIONS.thanos, props.imageRegistry),
            args,
            resources: props.resources ?? DEFAULT_STORE_GATEWAY.resources,
            placement: podPlacement(props.placement, DEFAULT_STORE_GATEWAY.placement, props.imagePullSecrets),
            volumeMounts,
            volumes,
          }),
          objectStorage,
          serviceAccountName,
        ),
        volumeClaimTemplates: storage
          ? [
              {
                metadata: { name: 'data', labels: server.podLabels },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: storage.storageClassName,
                  resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
                },
              },
            ]
          : undefined,
      },
    });
    new ThanosServerExtras(this, 'extras', { server, replicas, monitorSelector: props.monitorSelector });
  }
}
