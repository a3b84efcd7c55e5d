// kubernetes.io/tls Secrets with the certificates from lib/pki: the leaf chain (tls.crt), its key
// (tls.key) and the CAs that verify the peer (ca.crt).
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { meta } from '../meta';
import type { TlsBundle } from '../pki';
import { namespaceOf, type NamespacedProps } from './base';

/** The Querier's client certificate, and the CAs that verify sidecar and Store Gateway certificates. */
export const QUERIER_TLS_SECRET = 'thanos-querier-tls';
/** The Store Gateway's server certificate, and the CAs that verify the Querier's client certificate. */
export const STORE_GATEWAY_TLS_SECRET = 'thanos-store-gateway-tls';

export interface TlsSecretProps extends NamespacedProps {
  readonly name: string;
  /** app.kubernetes.io/name: the component that mounts the Secret. */
  readonly app: string;
  /** Certificate chain, private key and the CAs that verify the peer, e.g. from preparePki. */
  readonly bundle: TlsBundle;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** A kubernetes.io/tls Secret: key material, so keep its output out of Git (or seal it). */
export class TlsSecret extends Construct {
  constructor(scope: Construct, id: string, props: TlsSecretProps) {
    super(scope, id);
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(props.name, 'tls', { namespace: namespaceOf(props), app: props.app }),
      type: 'kubernetes.io/tls',
      // `data`, not `stringData`: what the API server stores, so diffs and Argo CD compare like with like.
      data: { 'tls.crt': b64(props.bundle.cert), 'tls.key': b64(props.bundle.key), 'ca.crt': b64(props.bundle.ca) },
    });
  }
}
