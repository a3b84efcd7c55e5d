// The Thanos Store Gateway of an observer: serves the blocks the sidecars uploaded to object
// storage, as one more StoreAPI for the Querier (with mTLS unless switched off).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STORE_GATEWAY, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import type { IndexCache, StoreGatewaySharding } from '../fleet/model';
import { quantityBytes, thanosSize } from '../fleet/quantity';
import { image } from '../meta';
import { STORE_GATEWAY_NAME, storeGatewayShardService } from '../names';
import { namespaceOf, type PlacedComponentProps, type StackComponentProps } from './base';
import { bucketServiceAccount, type BucketAccess, OBJSTORE_MOUNT, objstoreVolumes, withBucketIdentity } from './objstore';
import { podPlacement } from './common';
import { serviceHost, type StoreEndpoint } from './endpoints';
import { flagYaml, THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras, thanosServiceMonitor } from './thanos-pod';
import { STORE_GATEWAY_TLS_SECRET } from './tls-secret';

export const STORE_GATEWAY_TLS_MOUNT = '/etc/thanos/tls';
export const STORE_GATEWAY_OBJSTORE_MOUNT = OBJSTORE_MOUNT;
const OBJSTORE_FILE = 'objstore.yaml';
const DATA_DIR = '/var/thanos/store';

/** One Store Gateway shard: its StatefulSet and Service name, and the flags that pick its blocks. */
export interface StoreGatewayShard {
  readonly name: string;
  readonly args: string[];
}

/**
 * The shards of a Store Gateway: one serving the whole bucket when it is not sharded; with hash sharding, shard i
 * keeps the blocks whose ID hashes to i modulo the shard count (Thanos's hashmod relabelling on __block_id, so
 * every block lands on exactly one shard); with time sharding, shard i serves the blocks that overlap the time
 * between boundary i - 1 and boundary i (a block across a boundary is served by both neighbours, so none is lost).
 */
export function storeGatewayShards(sharding?: StoreGatewaySharding): StoreGatewayShard[] {
  if (!sharding) return [{ name: STORE_GATEWAY_NAME, args: [] }];
  if (sharding.type === 'hash') {
    return Array.from({ length: sharding.shards }, (_, i) => ({
      name: storeGatewayShardService(i),
      args: [
        `--selector.relabel-config=${flagYaml([
          { action: 'hashmod', source_labels: ['__block_id'], target_label: 'shard', modulus: sharding.shards },
          { action: 'keep', source_labels: ['shard'], regex: String(i) },
        ])}`,
      ],
    }));
  }
  const b = sharding.boundaries;
  return Array.from({ length: b.length + 1 }, (_, i) => ({
    name: storeGatewayShardService(i),
    args: [...(i > 0 ? [`--min-time=${b[i - 1]}`] : []), ...(i < b.length ? [`--max-time=${b[i]}`] : [])],
  }));
}

/** How a Querier in the same cluster reaches each shard of the Store Gateway of `namespace`, on its own Service. */
export function storeGatewayEndpoints(namespace: string, tls: boolean, sharding?: StoreGatewaySharding): StoreEndpoint[] {
  return storeGatewayShards(sharding).map(({ name }) => {
    const host = serviceHost(name, namespace);
    return { address: `${host}:${THANOS_GRPC_PORT}`, ...(tls ? { serverName: host } : {}) };
  });
}

/** How a Querier in the same cluster reaches the Store Gateway of `namespace` when it is not sharded. */
export function storeGatewayEndpoint(namespace: string, tls: boolean): StoreEndpoint {
  return storeGatewayEndpoints(namespace, tls)[0];
}

/** The --index-cache.config of Thanos: `type` IN-MEMORY (`max_size`) or MEMCACHED (`addresses`), and its `config`. */
export function indexCacheConfig(cache: IndexCache): Record<string, unknown> {
  if (cache.type === 'memcached') return { type: 'MEMCACHED', config: { addresses: [...cache.addresses] } };
  const maxSize = thanosSize(cache.maxSize);
  if (!maxSize) throw new Error(`index cache size "${cache.maxSize}" is below 1Mi`);
  // Thanos refuses an item limit (125MiB by default) above the cache size: a small cache gets its own size as the limit.
  const itemLimit = 125 * 2 ** 20;
  const small = (quantityBytes(cache.maxSize) ?? 0) < itemLimit;
  return { type: 'IN-MEMORY', config: { max_size: maxSize, ...(small ? { max_item_size: maxSize } : {}) } };
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
   * Where index entries are cached: each pod's memory, or a memcached.
   * @default DEFAULT_STORE_GATEWAY.indexCache: 250Mi in memory
   */
  readonly indexCache?: IndexCache;
  /**
   * Split the bucket across shards (see storeGatewayShards), each a StatefulSet of `replicas` with its own Service.
   * @default one Store Gateway serves the whole bucket
   */
  readonly sharding?: StoreGatewaySharding;
  /**
   * Monitor selector of a Prometheus running next to the Store Gateway: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** StatefulSet, Service and PDB of each shard of the Store Gateway, and their ServiceMonitor. */
export class ThanosStoreGateway extends Construct {
  constructor(scope: Construct, id: string, props: ThanosStoreGatewayProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const replicas = props.replicas ?? DEFAULT_STORE_GATEWAY.replicas;
    const { storage, objectStorage } = props;
    const tlsSecret = (props.tls ?? DEFAULT_STORE_GATEWAY.tls) ? (props.tlsSecret ?? STORE_GATEWAY_TLS_SECRET) : undefined;
    const args = [
      'store',
      `--data-dir=${DATA_DIR}`,
      `--objstore.config-file=${STORE_GATEWAY_OBJSTORE_MOUNT}/${OBJSTORE_FILE}`,
      `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
      `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
      `--index-cache.config=${flagYaml(indexCacheConfig(props.indexCache ?? DEFAULT_STORE_GATEWAY.indexCache))}`,
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
      // Every shard presents the one certificate, which names every shard's Service.
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

    const shards = storeGatewayShards(props.sharding);
    const sharded = !!props.sharding;
    for (const [i, shard] of shards.entries()) {
      const server = new ThanosServer(STORE_GATEWAY_NAME, 'store-gateway', namespace, shard.name);
      // An unsharded Store Gateway keeps the construct ids it always had.
      const scope: Construct = sharded ? new Construct(this, `shard-${i}`) : this;
      new k8s.KubeStatefulSet(scope, 'statefulset', {
        metadata: server.meta(),
        spec: {
          serviceName: shard.name,
          replicas,
          // Replicas are interchangeable: start and stop them together.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: server.selector },
          // Workload identity: the ServiceAccount that carries it, and the labels its webhook looks for.
          template: withBucketIdentity(
            thanosPodTemplate(server, {
              image: image('quay.io/thanos/thanos', props.version ?? DEFAULT_VERSIONS.thanos, props.imageRegistry),
              args: [...args, ...shard.args],
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
      // The shards share one ServiceMonitor (below), which selects every shard's Service.
      new ThanosServerExtras(scope, 'extras', { server, replicas, monitorSelector: sharded ? undefined : props.monitorSelector });
    }
    if (sharded && props.monitorSelector) {
      thanosServiceMonitor(this, 'monitor', new ThanosServer(STORE_GATEWAY_NAME, 'store-gateway', namespace, shards[0].name), props.monitorSelector);
    }
  }
}
