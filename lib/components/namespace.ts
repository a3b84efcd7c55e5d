// The stack's Namespace; rendered first so every namespaced object has a home. Its Pod Security
// Admission labels hold the namespace to the strictest profile the stack's pods meet.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STACK } from '../fleet/defaults';
import { meta } from '../meta';

/** A Pod Security Standards profile. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * The profile a stack's namespace can enforce: node-exporter needs the host's network, PID namespace
 * and filesystems (privileged); every other pod of promfleet meets `restricted`.
 */
export function podSecurityLevel(stack: { readonly nodeExporter: boolean }): PodSecurityLevel {
  return stack.nodeExporter ? 'privileged' : 'restricted';
}

/**
 * Pod Security Admission labels: enforce the level, and warn and audit at the same level, so that a
 * pod template that would be refused warns at `kubectl apply` time instead of failing silently in
 * its controller. `latest`: the checks of the cluster's own release, which promfleet's pods are kept
 * compliant with.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    out[`pod-security.kubernetes.io/${mode}`] = level;
    out[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
  }
  return out;
}

export interface StackNamespaceProps {
  /** @default "monitoring" */
  readonly name?: string;
  /**
   * The Pod Security Standards profile the namespace enforces (see podSecurityLevel).
   * @default no pod-security labels: the cluster's default applies
   */
  readonly podSecurity?: PodSecurityLevel;
}

export class StackNamespace extends Construct {
  constructor(scope: Construct, id: string, props: StackNamespaceProps = {}) {
    super(scope, id);
    const labels = props.podSecurity ? podSecurityLabels(props.podSecurity) : undefined;
    new k8s.KubeNamespace(this, 'namespace', { metadata: meta(props.name ?? DEFAULT_STACK.namespace, 'namespace', { app: 'promfleet', labels }) });
  }
}
