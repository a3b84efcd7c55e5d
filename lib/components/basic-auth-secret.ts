// The Secret behind ingress-nginx basic authentication: an htpasswd file under the key `auth`.
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { meta } from '../meta';
import { namespaceOf, type NamespacedProps } from './base';

/** The key ingress-nginx reads the htpasswd file from (auth-secret-type: auth-file, its default). */
export const BASIC_AUTH_KEY = 'auth';

export interface BasicAuthSecretProps extends NamespacedProps {
  readonly name: string;
  /** app.kubernetes.io/name: the component the sign-in protects. */
  readonly app: string;
  /** htpasswd lines (`user:hash`), e.g. from preparePki's querierBasicAuth. */
  readonly htpasswd: string;
}

/** An Opaque Secret with an htpasswd file: only password hashes, but still keep its output out of Git (or seal it). */
export class BasicAuthSecret extends Construct {
  constructor(scope: Construct, id: string, props: BasicAuthSecretProps) {
    super(scope, id);
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(props.name, 'auth', { namespace: namespaceOf(props), app: props.app }),
      type: 'Opaque',
      data: { [BASIC_AUTH_KEY]: Buffer.from(props.htpasswd, 'utf8').toString('base64') },
    });
  }
}
