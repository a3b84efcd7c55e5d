// What the Thanos servers of an observer (Querier, Store Gateway) have in common: the hardened
// thanos container and pod, and their Service, PodDisruptionBudget and ServiceMonitor.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { Resources } from '../fleet/defaults';
import { commonLabels, meta } from '../meta';
import {
  coreResources,
  disruptionBudget,
  httpProbe,
  nonRootPod,
  podLabels,
  type PodPlacement,
  RESTRICTED_CONTAINER,
  selectorLabels,
  softAntiAffinity,
} from './common';
import { stackServiceMonitor } from './service-monitor';

export const THANOS_GRPC_PORT = 10901;
export const THANOS_HTTP_PORT = 10902;
/** The thanos image runs as this user (upstream default since v0.32). */
const THANOS_UID = 1001;

/** Name, labels and namespace of one Thanos server. */
export class ThanosServer {
  constructor(
    /** Object name and app.kubernetes.io/name. */
    readonly app: string,
    readonly component: string,
    readonly namespace: string,
  ) {}

  /** Labels the Service, PDB and anti-affinity select the pods by. */
  get selector(): Record<string, string> {
    return selectorLabels(this.app);
  }

  /** Labels of the pod template: the common labels plus the selector. */
  get podLabels(): Record<string, string> {
    return podLabels(this.app, this.component);
  }

  meta(annotations?: Record<string, string>): k8s.ObjectMeta {
    return meta(this.app, this.component, { namespace: this.namespace, annotations });
  }
}

export interface ThanosPodOptions {
  /** The thanos image reference. */
  readonly image: string;
  /** `thanos` subcommand and flags. */
  readonly args: string[];
  readonly resources: Resources;
  readonly volumeMounts: k8s.VolumeMount[];
  readonly volumes: k8s.Volume[];
  /** Node selector, tolerations, priority class and image pull secrets of the pods (see podPlacement). */
  readonly placement: PodPlacement;
}

/**
 * Pod template: one non-root, read-only-root thanos container serving gRPC 10901 and HTTP 10902,
 * probed on /-/healthy and /-/ready; no API token (Thanos never calls the API server); spread over nodes.
 */
export function thanosPodTemplate(server: ThanosServer, opts: ThanosPodOptions): k8s.PodTemplateSpec {
  return {
    metadata: { labels: server.podLabels },
    spec: {
      automountServiceAccountToken: false,
      securityContext: nonRootPod(THANOS_UID),
      ...opts.placement,
      affinity: softAntiAffinity(server.selector),
      containers: [
        {
          name: 'thanos',
          image: opts.image,
          args: opts.args,
          ports: [
            { name: 'grpc', containerPort: THANOS_GRPC_PORT, protocol: 'TCP' },
            { name: 'http', containerPort: THANOS_HTTP_PORT, protocol: 'TCP' },
          ],
          livenessProbe: httpProbe('/-/healthy', 'http', 30),
          readinessProbe: httpProbe('/-/ready', 'http', 5),
          resources: coreResources(opts.resources),
          securityContext: RESTRICTED_CONTAINER,
          volumeMounts: opts.volumeMounts,
        },
      ],
      volumes: opts.volumes,
    },
  };
}

export interface ThanosServerExtrasProps {
  readonly server: ThanosServer;
  readonly replicas: number;
  /**
   * Monitor selector of a Prometheus next to the server: its ServiceMonitor carries these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** Service (grpc 10901, http 10902), a PDB when replicas > 1, and a ServiceMonitor where a Prometheus runs. */
export class ThanosServerExtras extends Construct {
  constructor(scope: Construct, id: string, props: ThanosServerExtrasProps) {
    super(scope, id);
    const { server, replicas, monitorSelector } = props;
    new k8s.KubeService(this, 'service', {
      metadata: server.meta(),
      spec: {
        type: 'ClusterIP',
        selector: server.selector,
        ports: [
          { name: 'grpc', port: THANOS_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
          { name: 'http', port: THANOS_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
        ],
      },
    });
    disruptionBudget(this, {
      name: server.app,
      namespace: server.namespace,
      component: server.component,
      app: server.app,
      podLabels: server.selector,
      replicas,
    });
    if (monitorSelector) {
      stackServiceMonitor(this, 'monitor', {
        namespace: server.namespace,
        monitorSelector,
        name: server.app,
        component: server.component,
        app: server.app,
        selector: commonLabels(server.app, server.component),
        endpoints: [{ port: 'http' }],
      });
    }
  }
}
