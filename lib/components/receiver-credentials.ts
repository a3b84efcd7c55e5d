// The Secret with the Alertmanager receiver credentials of the secret store (`{credential: <name>}` in the
// fleet file): one key per credential, which the operator mounts into Alertmanager (spec.secrets), where the
// configuration reads it as a file. It carries tokens and webhook URLs, so it is rendered into the git-ignored
// secrets/ folder, or sealed.
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { meta } from '../meta';
import { RECEIVER_CREDENTIALS_SECRET } from './alertmanager';
import { namespaceOf, type NamespacedProps } from './base';

export interface ReceiverCredentialsSecretProps extends NamespacedProps {
  /** Credential name -> value, as the secret store keeps them. */
  readonly credentials: Readonly<Record<string, string>>;
}

/** An Opaque Secret of receiver credentials: keep its output out of Git (or seal it). */
export class ReceiverCredentialsSecret extends Construct {
  constructor(scope: Construct, id: string, props: ReceiverCredentialsSecretProps) {
    super(scope, id);
    const names = Object.keys(props.credentials).sort();
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(RECEIVER_CREDENTIALS_SECRET, 'alertmanager', { namespace: namespaceOf(props), app: 'alertmanager' }),
      type: 'Opaque',
      // `data`, not `stringData`: what the API server stores, so diffs and Argo CD compare like with like.
      data: Object.fromEntries(names.map((n) => [n, Buffer.from(props.credentials[n], 'utf8').toString('base64')])),
    });
  }
}
