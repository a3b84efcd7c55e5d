// The Secrets of an observer's Grafana that promfleet fills from its secret store: the admin's generated
// password, and the OpenID Connect client secret kept there with `promfleet credential set`. Both hold a
// secret as it is, so their output goes to the git-ignored secrets/ folder, or is sealed.
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { meta } from '../meta';
import { namespaceOf, type NamespacedProps } from './base';

/** The admin's password, which Grafana reads from its environment. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
export const GRAFANA_ADMIN_PASSWORD_KEY = 'admin-password';
/** The OpenID Connect client secret from the secret store. */
export const GRAFANA_OAUTH_SECRET = 'grafana-oauth';
export const GRAFANA_OAUTH_CLIENT_SECRET_KEY = 'client-secret';

export interface GrafanaSecretProps extends NamespacedProps {
  /** GRAFANA_ADMIN_SECRET or GRAFANA_OAUTH_SECRET. */
  readonly name: string;
  /** Key -> value, as the secret store keeps them. */
  readonly values: Readonly<Record<string, string>>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** An Opaque Secret that Grafana reads: keep its output out of Git (or seal it). */
export class GrafanaSecret extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaSecretProps) {
    super(scope, id);
    const keys = Object.keys(props.values).sort();
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(props.name, 'auth', { namespace: namespaceOf(props), app: 'grafana' }),
      type: 'Opaque',
      // `data`, not `stringData`: what the API server stores, so diffs and Argo CD compare like with like.
      data: Object.fromEntries(keys.map((k) => [k, b64(props.values[k])])),
    });
  }
}
