// The Prometheus custom resource of a workload cluster (imported CRD class), with its
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
import type { WorkloadCluster } from '../fleet/model';
import { commonLabels, image, meta } from '../meta';
import { clusterAccess, disruptionBudget, nonRootPod, resourceRequirements, softAntiAffinity } from './common';
import { SIDECAR_HTTP_PORT, SIDECAR_HTTP_PORT_NAME, SIDECAR_TLS_SECRET, sidecarSpec } from './thanos-sidecar';

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

/** Labels of the `prometheus-k8s` Service (its ServiceMonitors select on them). */
export function prometheusServiceLabels(): Record<string, string> {
  return commonLabels(PROMETHEUS_APP, COMPONENT);
}

/** Read-only discovery of targets in every namespace, plus kubelet metrics. */
export const PROMETHEUS_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
  { nonResourceUrLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
];

export interface PrometheusProps {
  readonly cluster: WorkloadCluster;
  /** Service name of the cluster's Alertmanager; no alerting when undefined. */
  readonly alertmanagerService?: string;
}

export class Prometheus extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id);
    const { cluster } = props;
    const { stack } = cluster;
    const namespace = stack.namespace;
    const p = stack.prometheus;
    const selector = { matchLabels: stack.monitorSelector };

    // Prometheus discovers targets in every namespace it selects monitors from: all of them.
    clusterAccess(this, { name: PROMETHEUS_SERVICE_ACCOUNT, namespace, component: COMPONENT, app: PROMETHEUS_APP, rules: PROMETHEUS_RULES });

    new PrometheusCr(this, 'prometheus', {
      metadata: meta(PROMETHEUS_NAME, COMPONENT, { namespace, app: PROMETHEUS_APP }),
      spec: {
        replicas: p.replicas,
        image: image('quay.io/prometheus/prometheus', stack.versions.prometheus, stack.imageRegistry),
        version: stack.versions.prometheus,
        podMetadata: { labels: { 'app.kubernetes.io/component': COMPONENT, 'app.kubernetes.io/part-of': 'promfleet' } },
        externalLabels: cluster.workload.externalLabels,
        replicaExternalLabelName: p.replicaLabel,
        retention: p.retention,
        ...(p.retentionSize ? { retentionSize: p.retentionSize } : {}),
        scrapeInterval: p.scrapeInterval,
        evaluationInterval: p.evaluationInterval,
        serviceAccountName: PROMETHEUS_SERVICE_ACCOUNT,
        serviceDiscoveryRole: PrometheusSpecServiceDiscoveryRole.ENDPOINT_SLICE,
        serviceMonitorSelector: selector,
        podMonitorSelector: selector,
        ruleSelector: selector,
        probeSelector: selector,
        // Monitors live next to the apps they watch (the seed's pattern): look in every namespace.
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        ruleNamespaceSelector: {},
        probeNamespaceSelector: {},
        resources: resourceRequirements(p.resources, (v) => PrometheusSpecResourcesLimits.fromString(v), (v) => PrometheusSpecResourcesRequests.fromString(v)),
        securityContext: nonRootPod(1000, 2000),
        affinity: softAntiAffinity(prometheusPodSelector()),
        ...(p.storage
          ? {
              storage: {
                volumeClaimTemplate: {
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    ...(p.storage.storageClassName ? { storageClassName: p.storage.storageClassName } : {}),
                    resources: { requests: { storage: PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(p.storage.size) } },
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
        secrets: [SIDECAR_TLS_SECRET],
        thanos: sidecarSpec(cluster),
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(PROMETHEUS_SERVICE, COMPONENT, { namespace, app: PROMETHEUS_APP }),
      spec: {
        selector: prometheusPodSelector(),
        ports: [
          { name: 'web', port: 9090, targetPort: k8s.IntOrString.fromString('web') },
          { name: 'reloader-web', port: 8080, targetPort: k8s.IntOrString.fromString('reloader-web') },
          { name: SIDECAR_HTTP_PORT_NAME, port: SIDECAR_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http') },
        ],
      },
    });

    disruptionBudget(this, { name: PROMETHEUS_SERVICE, namespace, component: COMPONENT, app: PROMETHEUS_APP, podLabels: prometheusPodSelector(), replicas: p.replicas });
  }
}
