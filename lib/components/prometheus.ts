// The Prometheus custom resource of a workload cluster (imported CRD class), with its
// Thanos sidecar. The operator turns it into a StatefulSet and the `prometheus-operated` Service.
import { Construct } from 'constructs';
import { Prometheus as PrometheusCr } from '../../imports/prometheus-monitoring.coreos.com';
import type { ClusterModel } from '../fleet/model';
import { image, meta } from '../meta';
import { SIDECAR_TLS_SECRET, sidecarSpec } from './thanos-sidecar';

/** Name of the Prometheus object (and of the pods' `operator.prometheus.io/name` label). */
export const PROMETHEUS_NAME = 'k8s';
export const PROMETHEUS_SERVICE_ACCOUNT = 'prometheus-k8s';

export interface PrometheusProps {
  readonly cluster: ClusterModel;
}

export class Prometheus extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusProps) {
    super(scope, id);
    const { cluster } = props;
    const { stack } = cluster;
    const p = stack.prometheus;
    const selector = { matchLabels: stack.monitorSelector };

    new PrometheusCr(this, 'prometheus', {
      metadata: meta(PROMETHEUS_NAME, 'prometheus', { namespace: stack.namespace, app: 'prometheus' }),
      spec: {
        replicas: p.replicas,
        image: image('quay.io/prometheus/prometheus', stack.versions.prometheus, stack.imageRegistry),
        version: stack.versions.prometheus,
        externalLabels: cluster.externalLabels,
        replicaExternalLabelName: p.replicaLabel,
        retention: p.retention,
        ...(p.retentionSize ? { retentionSize: p.retentionSize } : {}),
        scrapeInterval: p.scrapeInterval,
        evaluationInterval: p.evaluationInterval,
        serviceAccountName: PROMETHEUS_SERVICE_ACCOUNT,
        serviceMonitorSelector: selector,
        podMonitorSelector: selector,
        ruleSelector: selector,
        probeSelector: selector,
        // Monitors live next to the apps they watch (the seed's pattern): look in every namespace.
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        ruleNamespaceSelector: {},
        probeNamespaceSelector: {},
        secrets: [SIDECAR_TLS_SECRET],
        thanos: sidecarSpec(cluster),
      },
    });
  }
}
