// A ResourceQuota that lets the stack's pods use the system priority classes outside kube-system.
// Managed clouds (GKE) admit a pod with system-node-critical or system-cluster-critical only in a
// namespace that has a quota whose scope selects that class; without one, node-exporter never starts.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { meta } from '../meta';
import { namespaceOf, type NamespacedProps } from './base';

export const PRIORITY_QUOTA_NAME = 'promfleet-critical-pods';

/**
 * The pod count of the quota. It is there to admit the classes, not to cap them: any finite count
 * would one day stop a DaemonSet (a pod per node) from scheduling on a larger cluster. GKE's own
 * quota for these classes in kube-system uses the same figure.
 */
export const PRIORITY_QUOTA_PODS = '1G';

export interface PriorityClassQuotaProps extends NamespacedProps {
  /** The priority classes the stack's pods use that need a quota to be admitted; at least one. */
  readonly priorityClasses: string[];
}

/** A ResourceQuota whose scope selects the given priority classes, with no practical limit. */
export class PriorityClassQuota extends Construct {
  constructor(scope: Construct, id: string, props: PriorityClassQuotaProps) {
    super(scope, id);
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: meta(PRIORITY_QUOTA_NAME, 'quota', { namespace: namespaceOf(props), app: 'promfleet' }),
      spec: {
        hard: { pods: k8s.Quantity.fromString(PRIORITY_QUOTA_PODS) },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [...new Set(props.priorityClasses)].sort() }] },
      },
    });
  }
}
