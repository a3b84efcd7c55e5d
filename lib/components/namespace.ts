// The stack's Namespace; rendered first so every namespaced object has a home.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { meta } from '../meta';

export interface StackNamespaceProps {
  /** Namespace name. */
  readonly name: string;
}

export class StackNamespace extends Construct {
  constructor(scope: Construct, id: string, props: StackNamespaceProps) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', { metadata: meta(props.name, 'namespace', { app: 'promfleet' }) });
  }
}
