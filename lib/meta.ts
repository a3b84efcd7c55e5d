// Names and labels shared by every rendered object.
import { k8s } from 'cdk8s-plus-27';

export const PART_OF = 'promfleet';

export interface MetaOptions {
  /** Namespace; omit for cluster-scoped objects. */
  readonly namespace?: string;
  /** app.kubernetes.io/name. @default the object name */
  readonly app?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The recommended labels every object carries (app.kubernetes.io/*). */
export function commonLabels(app: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': PART_OF,
  };
}

/** Object metadata with an explicit name and the common labels. */
export function meta(name: string, component: string, opts: MetaOptions = {}): k8s.ObjectMeta {
  return {
    name,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    labels: { ...commonLabels(opts.app ?? name, component), ...(opts.labels ?? {}) },
    ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: opts.annotations } : {}),
  };
}

/** Image reference, with the fleet's registry mirror replacing the upstream registry host. */
export function image(upstream: string, tag: string, mirror?: string): string {
  if (!mirror) return `${upstream}:${tag}`;
  const slash = upstream.indexOf('/');
  return `${mirror}/${upstream.slice(slash + 1)}:${tag}`;
}
