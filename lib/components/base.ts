// What the props of every component share, and their defaults: the namespace the component lives
// in, the registry its images come from, and the labels that make the stack's Prometheus scrape it.
import { DEFAULT_STACK, type Placement } from '../fleet/defaults';

export interface NamespacedProps {
  /**
   * Namespace of the component's namespaced objects.
   * @default "monitoring"
   */
  readonly namespace?: string;
}

export interface StackComponentProps extends NamespacedProps {
  /**
   * Registry (host and optional path) that replaces the upstream registry host of every image, such
   * as a mirror or pull-through cache: `mirror.example.com/cache` turns `quay.io/prometheus/prometheus`
   * into `mirror.example.com/cache/prometheus/prometheus`.
   * @default the upstream registries (quay.io, registry.k8s.io)
   */
  readonly imageRegistry?: string;
  /**
   * Names of Secrets in the component's namespace that its pods pull their images with.
   * @default none
   */
  readonly imagePullSecrets?: readonly string[];
}

export interface MonitoredComponentProps extends StackComponentProps {
  /**
   * The labels the stack's Prometheus selects ServiceMonitors, PodMonitors and rules by; the
   * component's own ServiceMonitor carries them.
   * @default {"prometheus.io/monitor": "true"}
   */
  readonly monitorSelector?: Record<string, string>;
}

export interface PlacedComponentProps {
  /**
   * Node selector, tolerations and priority class of the component's pods; each field left out keeps
   * the component's default (DEFAULT_STACK.<component>.placement, DEFAULT_QUERIER.placement, ...).
   * @default the component's defaults
   */
  readonly placement?: Placement;
}

/** The namespace of a component. */
export function namespaceOf(props: NamespacedProps): string {
  return props.namespace ?? DEFAULT_STACK.namespace;
}

/** The monitor selector of a component's stack. */
export function monitorSelectorOf(props: MonitoredComponentProps): Record<string, string> {
  return props.monitorSelector ?? DEFAULT_STACK.monitorSelector;
}

/** The annotation by which a Prometheus Operator started with `--controller-id` (v0.93) picks its objects. */
export const CONTROLLER_ID_ANNOTATION = 'operator.prometheus.io/controller-id';

export interface OperatedComponentProps extends MonitoredComponentProps {
  /**
   * `--controller-id` of the Prometheus Operator that reconciles this object: it carries the id in
   * its `operator.prometheus.io/controller-id` annotation. Operators with another id leave it alone.
   * @default none: reconciled by an operator without an id
   */
  readonly controllerId?: string;
}

/** The annotations that hand a custom resource to the operator with that id. */
export function controllerAnnotations(props: OperatedComponentProps): Record<string, string> {
  return props.controllerId ? { [CONTROLLER_ID_ANNOTATION]: props.controllerId } : {};
}

/** Prefix of the ingress-nginx annotations promfleet renders (TLS passthrough, sign-in). */
export const NGINX_ANNOTATIONS = 'nginx.ingress.kubernetes.io';
