// The Thanos Store Gateway of an observer: serves the blocks the sidecars uploaded to object
// storage, as one more StoreAPI for the Querier (with mTLS from the fleet PKI unless switched off).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { ObserverCluster, StoreGatewayModel } from '../fleet/model';
import { STORE_GATEWAY_NAME } from '../names';
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras } from './thanos-pod';

export const STORE_GATEWAY_TLS_MOUNT = '/etc/thanos/tls';
export const STORE_GATEWAY_OBJSTORE_MOUNT = '/etc/thanos/objstore';
const OBJSTORE_FILE = 'objstore.yaml';
const DATA_DIR = '/var/thanos/store';

export interface ThanosStoreGatewayProps {
  /** The observer cluster. */
  readonly cluster: ObserverCluster;
  /** Its Store Gateway settings (`querier.storeGateway`). */
  readonly gateway: StoreGatewayModel;
  /** kubernetes.io/tls Secret with the server certificate and the CA of client certificates; required when `storeGateway.tls`. */
  readonly tlsSecret?: string;
}

/** StatefulSet, Service, PDB and ServiceMonitor of the Store Gateway. */
export class ThanosStoreGateway extends Construct {
  constructor(scope: Construct, id: string, props: ThanosStoreGatewayProps) {
    super(scope, id);
    const { cluster, gateway } = props;
    const namespace = cluster.stack.namespace;
    const server = new ThanosServer(STORE_GATEWAY_NAME, 'store-gateway', namespace);
    const tlsSecret = gateway.tls ? props.tlsSecret : undefined;
    if (gateway.tls && !tlsSecret) throw new Error(`${cluster.name}: the Store Gateway serves TLS but no Secret was given`);

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
    const volumeMounts: k8s.VolumeMount[] = [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'objstore', mountPath: STORE_GATEWAY_OBJSTORE_MOUNT, readOnly: true },
      ...(tlsSecret ? [{ name: 'tls', mountPath: STORE_GATEWAY_TLS_MOUNT, readOnly: true }] : []),
    ];
    const volumes: k8s.Volume[] = [
      // The bucket credentials stay in the Secret the user manages; only its name is rendered.
      { name: 'objstore', secret: { secretName: gateway.objectStorage.name, items: [{ key: gateway.objectStorage.key, path: OBJSTORE_FILE }] } },
      ...(tlsSecret ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : []),
      // The data dir is only a cache of index headers: an emptyDir works, a volume saves the rebuild on restart.
      ...(gateway.storage ? [] : [{ name: 'data', emptyDir: {} }]),
    ];

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: server.meta(),
      spec: {
        serviceName: STORE_GATEWAY_NAME,
        replicas: gateway.replicas,
        // Replicas are interchangeable: start and stop them together.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: server.selector },
        template: thanosPodTemplate(server, { cluster, args, resources: gateway.resources, volumeMounts, volumes }),
        volumeClaimTemplates: gateway.storage
          ? [
              {
                metadata: { name: 'data', labels: server.podLabels },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: gateway.storage.storageClassName,
                  resources: { requests: { storage: k8s.Quantity.fromString(gateway.storage.size) } },
                },
              },
            ]
          : undefined,
      },
    });
    new ThanosServerExtras(this, 'extras', { server, cluster, replicas: gateway.replicas });
  }
}
