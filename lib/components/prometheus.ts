// The Prometheus custom resource of a workload cluster (imported CRD class), with its optional
// Thanos sidecar. The operator turns it into a StatefulSet and the `prometheus-operated` Service.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import {
  Prometheus as PrometheusCr,
  PrometheusSpecAlertingAlertmanagersApiVersion,
  PrometheusSpecAlertingAlertmanagersPort,
  PrometheusSpecResourcesLimits,
  PrometheusSpecResourcesRequests,
  PrometheusSpecServiceDiscoveryRole,
  PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/prometheus-monitoring.coreos.com';
import { DEFAULT_STACK, DEFAULT_VERSIONS, RETENTION_SIZE_SHARE, type Resources } from '../fleet/defaults';
import { commonLabels, image, meta } from '../meta';
import { FLEET_RULE_SCOPE, RULE_SCOPE_LABEL } from '../names';
import { controllerAnnotations, namespaceOf, monitorSelectorOf, type OperatedComponentProps, type PlacedComponentProps } from './base';
import { clusterAccess, disruptionBudget, nonRootPod, podPlacement, resourceRequirements, softAntiAffinity } from './common';
import { BUCKET_VOLUME, SIDECAR_HTTP_PORT, SIDECAR_HTTP_PORT_NAME, SIDECAR_TLS_SECRET, sidecarSpec, type ThanosSidecarProps } from './thanos-sidecar';

/** Name of the Prometheus object (and of the pods' `operator.prometheus.io/name` label). */
export const PROMETHEUS_NAME = 'k8s';
export const PROMETHEUS_SERVICE_ACCOUNT = 'prometheus-k8s';
/** The ClusterIP Service in front of the Prometheus pods (web UI/API, reloader and sidecar HTTP metrics). */
export const PROMETHEUS_SERVICE = 'prometheus-k8s';
export const PROMETHEUS_APP = 'prometheus';
const COMPONENT = 'prometheus';

/**
 * Labels the operator (v0.93) puts on every pod of a Prometheus object; they are reserved, so
 * selectors built from them always match (see the CRD's `podMetadata` documentation).
 */
export function prometheusPodLabels(name = PROMETHEUS_NAME): Record<string, string> {
  return {
    'app.kubernetes.io/name': PROMETHEUS_APP,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'operator.prometheus.io/name': name,
    prometheus: name,
  };
}

/** The subset of those labels that Services and the PodDisruptionBudget select on. */
export function prometheusPodSelector(name = PROMETHEUS_NAME): Record<string, string> {
  return { 'app.kubernetes.io/name': PROMETHEUS_APP, 'operator.prometheus.io/name': name };
}

/**
 * Name of the pod of replica `replica`: the operator's StatefulSet is `prometheus-<name>`, and the StatefulSet
 * controller labels each pod `statefulset.kubernetes.io/pod-name: <that name>`.
 */
export function prometheusPodName(replica: number, name = PROMETHEUS_NAME): string {
  return `prometheus-${name}-${replica}`;
}

/** Labels of the `prometheus-k8s` Service (its ServiceMonitors select on them). */
export function prometheusServiceLabels(): Record<string, string> {
  return commonLabels(PROMETHEUS_APP, COMPONENT);
}

/** The label-selector requirement that keeps a stack Prometheus off the fleet-level rules (see FleetRules). */
export function fleetRuleExclusion(): { key: string; operator: 'NotIn'; values: string[] } {
  return { key: RULE_SCOPE_LABEL, operator: 'NotIn', values: [FLEET_RULE_SCOPE] };
}

/** Read-only discovery of targets in every namespace, plus kubelet metrics. */
export const PROMETHEUS_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
  { nonResourceUrLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
];

const BINARY_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_UNITS: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * The default `retentionSize` for a volume of `size` (a Kubernetes quantity): RETENTION_SIZE_SHARE of
 * it, rounded down to whole MB in the operator's ByteSize, whose units are powers of 2 (1GB = 1024MB).
 * A quantity in another notation (an exponent, say) gets no default.
 */
export function retentionSizeOf(size: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(size);
  if (!m) return undefined;
  const unit = m[2] ?? '';
  const bytes = Number(m[1]) * (BINARY_UNITS[unit] ?? DECIMAL_UNITS[unit]);
  const mb = Math.floor((bytes * RETENTION_SIZE_SHARE) / 2 ** 20);
  if (mb < 1) return undefined;
  return mb % 1024 === 0 ? `${mb / 1024}GB` : `${mb}MB`;
}

/** The PersistentVolumeClaim of each Prometheus replica. */
export interface PrometheusStorage {
  /** Requested size, e.g. `50Gi`. */
  readonly size: string;
  /**
   * @default the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

export interface PrometheusProps extends OperatedComponentProps, PlacedComponentProps {
  /** @default DEFAULT_VERSIONS.prometheus */
  readonly version?: string;
  /**
   * Identical replicas, told apart by `replicaLabel`; Thanos deduplicates their series.
   * @default 2
   */
  readonly replicas?: number;
  /** @default "15d" */
  readonly retention?: string;
  /**
   * Size above which the oldest data is deleted, e.g. `45GB` (the operator's units are powers of 2).
   * @default RETENTION_SIZE_SHARE of `storage.size`; no size limit without storage
   */
  readonly retentionSize?: string;
  /** @default "30s" */
  readonly scrapeInterval?: string;
  /** @default "30s" */
  readonly evaluationInterval?: string;
  /**
   * Labels every series carries outside the cluster (Thanos, remote write, alerts), e.g. `cluster`.
   * @default none
   */
  readonly externalLabels?: Record<string, string>;
  /**
   * External label with each replica's name; a Querier deduplicates on it.
   * @default "prometheus_replica"
   */
  readonly replicaLabel?: string;
  /**
   * A volume per replica; `null` keeps the data in an emptyDir, lost with the pod.
   * @default 50Gi of the default StorageClass
   */
  readonly storage?: PrometheusStorage | null;
  /** @default DEFAULT_STACK.prometheus.resources */
  readonly resources?: Resources;
  /**
   * Name of the Alertmanager Service, in the same namespace, that alerts go to.
   * @default no alerting
   */
  readonly alertmanagerService?: string;
  /**
   * A Thanos sidecar in every pod, serving the data to a Querier over mTLS.
   * @default no sidecar
   */
  readonly thanosSidecar?: ThanosSidecarProps;
}

/**
 * The Prometheus custom resource, its ServiceAccount and RBAC, the Service in front of the pods and
 * a PodDisruptionBudget. It selects monitors and rules labelled with the monitor selector, in every
 * namespace.
 */
export class Prometheus extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const defaults = DEFAULT_STACK.prometheus;
    const version = props.version ?? DEFAULT_VERSIONS.prometheus;
    const replicas = props.replicas ?? defaults.replicas;
    const storage = props.storage === undefined ? defaults.storage : props.storage;
    const selector = { matchLabels: monitorSelectorOf(props) };
    const sidecar = props.thanosSidecar;
    const retentionSize = props.retentionSize ?? (storage ? retentionSizeOf(storage.size) : undefined);

    // Prometheus discovers targets in every namespace it selects monitors from: all of them.
    const bucket = sidecar?.objectStorage;
    clusterAccess(this, {
      name: PROMETHEUS_SERVICE_ACCOUNT,
      namespace,
      component: COMPONENT,
      app: PROMETHEUS_APP,
      rules: PROMETHEUS_RULES,
      // The sidecar uploads as the pod's ServiceAccount: with workload identity, it carries the cloud identity.
      annotations: bucket?.serviceAccountAnnotations,
    });

    new PrometheusCr(this, 'prometheus', {
      metadata: meta(PROMETHEUS_NAME, COMPONENT, { namespace, app: PROMETHEUS_APP, annotations: controllerAnnotations(props) }),
      spec: {
        replicas,
        image: image('quay.io/prometheus/prometheus', version, props.imageRegistry),
        version,
        podMetadata: { labels: { 'app.kubernetes.io/component': COMPONENT, 'app.kubernetes.io/part-of': 'promfleet', ...bucket?.podLabels } },
        ...(props.externalLabels ? { externalLabels: props.externalLabels } : {}),
        replicaExternalLabelName: props.replicaLabel ?? defaults.replicaLabel,
        retention: props.retention ?? defaults.retention,
        ...(retentionSize ? { retentionSize } : {}),
        scrapeInterval: props.scrapeInterval ?? defaults.scrapeInterval,
        evaluationInterval: props.evaluationInterval ?? defaults.evaluationInterval,
        serviceAccountName: PROMETHEUS_SERVICE_ACCOUNT,
        serviceDiscoveryRole: PrometheusSpecServiceDiscoveryRole.ENDPOINT_SLICE,
        serviceMonitorSelector: selector,
        podMonitorSelector: selector,
        // The fleet-level rules are the ThanosRuler's alone (see FleetRules), whatever the monitor selector is.
        ruleSelector: { ...selector, matchExpressions: [fleetRuleExclusion()] },
        probeSelector: selector,
        // Monitors live next to the apps they watch: look in every namespace.
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        ruleNamespaceSelector: {},
        probeNamespaceSelector: {},
        resources: resourceRequirements(
          props.resources ?? defaults.resources,
          (v) => PrometheusSpecResourcesLimits.fromString(v),
          (v) => PrometheusSpecResourcesRequests.fromString(v),
        ),
        securityContext: nonRootPod(1000, 2000),
        affinity: softAntiAffinity(prometheusPodSelector()),
        // The operator copies these into the pods it creates (the Thanos sidecar shares them).
        ...podPlacement(props.placement, DEFAULT_STACK.prometheus.placement, props.imagePullSecrets),
        ...(storage
          ? {
              storage: {
                volumeClaimTemplate: {
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
                    resources: { requests: { storage: PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(storage.size) } },
                  },
                },
              },
            }
          : {}),
        ...(props.alertmanagerService
          ? {
              alerting: {
                alertmanagers: [
                  {
                    namespace,
                    name: props.alertmanagerService,
                    port: PrometheusSpecAlertingAlertmanagersPort.fromString('web'),
                    apiVersion: PrometheusSpecAlertingAlertmanagersApiVersion.V2,
                  },
                ],
              },
            }
          : {}),
        ...(sidecar ? { secrets: [sidecar.tlsSecret ?? SIDECAR_TLS_SECRET], thanos: sidecarSpec(sidecar, props.imageRegistry) } : {}),
        // Uploading: blocks of exactly thanos.blockSize (min = max block duration), as the Thanos sidecar requires.
        // For Prometheus >= v3.9 and Thanos >= v0.41 operator v0.93 would otherwise keep local compaction on and
        // coordinate it with the sidecar ("delayed" mode, CHANGELOG #8694); promfleet keeps the documented,
        // long-standing setup, in which the compactor alone compacts uploaded blocks.
        ...(bucket ? { disableCompaction: true } : {}),
        ...(bucket?.sharedVolume ? { volumes: [{ name: BUCKET_VOLUME, persistentVolumeClaim: { claimName: bucket.sharedVolume.claimName } }] } : {}),
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(PROMETHEUS_SERVICE, COMPONENT, { namespace, app: PROMETHEUS_APP }),
      spec: {
        selector: prometheusPodSelector(),
        ports: [
          { name: 'web', port: 9090, targetPort: k8s.IntOrString.fromString('web') },
          { name: 'reloader-web', port: 8080, targetPort: k8s.IntOrString.fromString('reloader-web') },
          // The sidecar's HTTP metrics, which StackMonitors scrapes through this Service.
          ...(sidecar ? [{ name: SIDECAR_HTTP_PORT_NAME, port: SIDECAR_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http') }] : []),
        ],
      },
    });

    disruptionBudget(this, { name: PROMETHEUS_SERVICE, namespace, component: COMPONENT, app: PROMETHEUS_APP, podLabels: prometheusPodSelector(), replicas });
  }
}
