// The stack's Namespace; rendered first so every namespaced object has a home.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STACK } from '../fleet/defaults';
import { meta } from '../meta';

export interface StackNamespaceProps {
  /** @default "monitoring" */
  readonly name?: string;
}

export class StackNamespace extends Construct {
  constructor(scope: Construct, id: string, props: StackNamespaceProps = {}) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', { metadata: meta(props.name ?? DEFAULT_STACK.namespace, 'namespace', { app: 'promfleet' }) });
  }
}
