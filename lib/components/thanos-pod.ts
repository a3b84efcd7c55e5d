// What the Thanos servers of an observer (Querier, Store Gateway) have in common: the hardened
// thanos container and pod, and their Service, PodDisruptionBudget and ServiceMonitor.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
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

/** A configuration given inline to a `--xxx.config` flag (Thanos reads a flag's YAML as it reads the file). */
export function flagYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

export const THANOS_GRPC_PORT = 10901;
export const THANOS_HTTP_PORT = 10902;
/** The thanos image runs as this user (upstream default since v0.32). */
const THANOS_UID = 1001;

/** Name, labels and namespace of one Thanos server. */
export class ThanosServer {
  constructor(
    /** app.kubernetes.io/name, and the object name unless `instance` is given. */
    readonly app: string,
    readonly component: string,
    readonly namespace: string,
    /**
     * Object name and app.kubernetes.io/instance of one of several servers of the same app (a Store Gateway
     * shard), which share its name label and so its ServiceMonitor and NetworkPolicy.
     */
    readonly instance: string = app,
  ) {}

  /** Labels the Service, PDB and anti-affinity select the pods by. */
  get selector(): Record<string, string> {
    return { ...selectorLabels(this.app), 'app.kubernetes.io/instance': this.instance };
  }

  /** Labels of the pod template: the common labels plus the selector. */
  get podLabels(): Record<string, string> {
    return { ...podLabels(this.app, this.component), ...this.selector };
  }

  meta(annotations?: Record<string, string>): k8s.ObjectMeta {
    const labels = this.instance === this.app ? undefined : { 'app.kubernetes.io/instance': this.instance };
    return meta(this.instance, this.component, { namespace: this.namespace, app: this.app, labels, annotations });
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
  /**
   * Serve gRPC on 10901 (every Thanos server but the query frontend, which speaks HTTP only).
   * @default true
   */
  readonly grpc?: boolean;
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
            ...((opts.grpc ?? true) ? [{ name: 'grpc', containerPort: THANOS_GRPC_PORT, protocol: 'TCP' }] : []),
            { name: 'http', containerPort: THANOS_HTTP_PORT, protocol: 'TCP' },
          ],
          livenessProbe: httpProbe('/-/healthy', 'http', 30),
          readinessProbe: httpProbe('/-/ready', 'http', 5),
          resources: coreResources(opts.resources),
          securityContext: RESTRICTED_CONTAINER,
          ...(opts.volumeMounts.length ? { volumeMounts: opts.volumeMounts } : {}),
        },
      ],
      ...(opts.volumes.length ? { volumes: opts.volumes } : {}),
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
  /**
   * The Service has a gRPC port (see ThanosPodOptions.grpc).
   * @default true
   */
  readonly grpc?: boolean;
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
          ...((props.grpc ?? true) ? [{ name: 'grpc', port: THANOS_GRPC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }] : []),
          { name: 'http', port: THANOS_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
        ],
      },
    });
    disruptionBudget(this, {
      name: server.instance,
      namespace: server.namespace,
      component: server.component,
      app: server.app,
      podLabels: server.selector,
      replicas,
    });
    if (monitorSelector) thanosServiceMonitor(this, 'monitor', server, monitorSelector);
  }
}

/**
 * The ServiceMonitor of every Service of `server`'s app (all the shards of a Store Gateway): each target's job is
 * the app name, whichever Service it came through, so the alerts that select the job see every shard.
 */
export function thanosServiceMonitor(scope: Construct, id: string, server: ThanosServer, monitorSelector: Record<string, string>): void {
  stackServiceMonitor(scope, id, {
    namespace: server.namespace,
    monitorSelector,
    name: server.app,
    component: server.component,
    app: server.app,
    selector: commonLabels(server.app, server.component),
    endpoints: [{ port: 'http' }],
    ...(server.instance === server.app ? {} : { jobLabel: 'app.kubernetes.io/name' }),
  });
}
