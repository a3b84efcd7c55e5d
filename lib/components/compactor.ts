// The Thanos compactor of one bucket, on an observer: it compacts the 2-hour blocks the sidecars upload into
// bigger ones, downsamples them to 5-minute and 1-hour resolutions, applies the retention of each resolution,
// and, when asked, merges the blocks of HA replicas. Two compactors on one bucket corrupt it, so it runs as a
// StatefulSet of one replica: a rollout stops the old pod before the new one starts.
//
// Flags are those of Thanos v0.42 `thanos compact` (cmd/thanos/compact.go, registerFlag).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_COMPACTOR, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { commonLabels, image } from '../meta';
import { COMPACTOR_NAME } from '../names';
import { namespaceOf, type PlacedComponentProps, type StackComponentProps } from './base';
import { podPlacement } from './common';
import { bucketServiceAccount, type BucketAccess, OBJSTORE_MOUNT, objstoreVolumes, withBucketIdentity } from './objstore';
import { stackServiceMonitor } from './service-monitor';
import { THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer } from './thanos-pod';

const OBJSTORE_FILE = 'objstore.yaml';
const DATA_DIR = '/var/thanos/compact';

/** Retention of each resolution, as Thanos durations; "0d" keeps that resolution forever. */
export interface CompactorRetention {
  /** @default DEFAULT_COMPACTOR.retention.raw */
  readonly raw?: string;
  /** @default DEFAULT_COMPACTOR.retention.fiveMinutes */
  readonly fiveMinutes?: string;
  /** @default DEFAULT_COMPACTOR.retention.oneHour */
  readonly oneHour?: string;
}

export interface ThanosCompactorProps extends StackComponentProps, PlacedComponentProps {
  /** Key of the Secret with the bucket's objstore configuration, and the bucket's identity or volume. */
  readonly objectStorage: BucketAccess;
  /** @default DEFAULT_VERSIONS.thanos */
  readonly version?: string;
  /** @default DEFAULT_COMPACTOR.retention */
  readonly retention?: CompactorRetention;
  /**
   * Downsample to 5-minute and 1-hour resolutions.
   * @default true
   */
  readonly downsampling?: boolean;
  /**
   * Merge the blocks of HA replicas that differ only in this external label (vertical compaction with the
   * penalty algorithm, meant for Prometheus replicas). Experimental upstream, and irreversible.
   * @default no deduplication
   */
  readonly deduplicationReplicaLabel?: string;
  /** @default DEFAULT_COMPACTOR.storage */
  readonly storage?: { readonly size: string; readonly storageClassName?: string };
  /** @default DEFAULT_COMPACTOR.resources */
  readonly resources?: Resources;
  /**
   * Monitor selector of a Prometheus running next to the compactor: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** The `thanos compact` arguments of these props. */
export function compactorArgs(props: Pick<ThanosCompactorProps, 'retention' | 'downsampling' | 'deduplicationReplicaLabel'>): string[] {
  const retention = { ...DEFAULT_COMPACTOR.retention, ...props.retention };
  const label = props.deduplicationReplicaLabel;
  return [
    'compact',
    // Keep running and compact each new upload, rather than one pass and exit.
    '--wait',
    `--data-dir=${DATA_DIR}`,
    `--objstore.config-file=${OBJSTORE_MOUNT}/${OBJSTORE_FILE}`,
    `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
    `--retention.resolution-raw=${retention.raw}`,
    `--retention.resolution-5m=${retention.fiveMinutes}`,
    `--retention.resolution-1h=${retention.oneHour}`,
    ...((props.downsampling ?? DEFAULT_COMPACTOR.downsampling.enabled) ? [] : ['--downsampling.disable']),
    // A replica label turns vertical compaction on (compact.go: --compact.enable-vertical-compaction is ignored and
    // enabled then); penalty is the algorithm upstream names for Prometheus replicas, whose samples differ.
    ...(label ? [`--deduplication.replica-label=${label}`, '--deduplication.func=penalty'] : []),
  ];
}

/** StatefulSet (one replica, its own volume), Service (http) and ServiceMonitor of the compactor. */
export class ThanosCompactor extends Construct {
  constructor(scope: Construct, id: string, props: ThanosCompactorProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const storage = props.storage ?? DEFAULT_COMPACTOR.storage;
    const server = new ThanosServer(COMPACTOR_NAME, 'compactor', namespace);
    const bucket = objstoreVolumes(props.objectStorage, OBJSTORE_FILE);
    const serviceAccountName = bucketServiceAccount(this, 'service-account', {
      name: COMPACTOR_NAME,
      namespace,
      component: 'compactor',
      access: props.objectStorage,
    });
    const template = thanosPodTemplate(server, {
      image: image('quay.io/thanos/thanos', props.version ?? DEFAULT_VERSIONS.thanos, props.imageRegistry),
      args: compactorArgs(props),
      resources: props.resources ?? DEFAULT_COMPACTOR.resources,
      placement: podPlacement(props.placement, DEFAULT_COMPACTOR.placement, props.imagePullSecrets),
      volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, ...bucket.volumeMounts],
      volumes: bucket.volumes,
    });
    // The compactor serves HTTP only (metrics, probes, the bucket UI): no gRPC port.
    const containers = (template.spec?.containers ?? []).map((c) => ({ ...c, ports: c.ports?.filter((p) => p.name === 'http') }));

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: server.meta(),
      spec: {
        serviceName: COMPACTOR_NAME,
        // Never more: two compactors on one bucket compact the same blocks twice.
        replicas: 1,
        selector: { matchLabels: server.selector },
        template: withBucketIdentity({ ...template, spec: { ...template.spec, containers } }, props.objectStorage, serviceAccountName),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: server.podLabels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: storage.storageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
            },
          },
        ],
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: server.meta(),
      spec: {
        type: 'ClusterIP',
        selector: server.selector,
        ports: [{ name: 'http', port: THANOS_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    if (props.monitorSelector) {
      stackServiceMonitor(this, 'monitor', {
        namespace,
        monitorSelector: props.monitorSelector,
        name: COMPACTOR_NAME,
        component: 'compactor',
        app: COMPACTOR_NAME,
        selector: commonLabels(COMPACTOR_NAME, 'compactor'),
        endpoints: [{ port: 'http' }],
      });
    }
  }
}
