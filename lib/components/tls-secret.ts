// kubernetes.io/tls Secrets with the certificates from lib/pki: the leaf chain (tls.crt), its key
// (tls.key) and the CAs that verify the peer (ca.crt). Each goes to its own file under secrets/,
// which dist/.gitignore keeps out of Git while `kubectl apply -R` still deploys it.
import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ClusterContext } from '../clusters/context';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { isObserver, isWorkload } from '../fleet/model';
import { meta } from '../meta';
import type { TlsBundle } from '../pki';
import { SIDECAR_TLS_SECRET } from './thanos-sidecar';

/** The Querier's client certificate, and the CAs that verify sidecar and Store Gateway certificates. */
export const QUERIER_TLS_SECRET = 'thanos-querier-tls';
/** The Store Gateway's server certificate, and the CAs that verify the Querier's client certificate. */
export const STORE_GATEWAY_TLS_SECRET = 'thanos-store-gateway-tls';

export interface TlsSecretProps {
  readonly name: string;
  readonly namespace: string;
  /** app.kubernetes.io/name: the component that mounts the Secret. */
  readonly app: string;
  readonly bundle: TlsBundle;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export class TlsSecret extends Construct {
  constructor(scope: Construct, id: string, props: TlsSecretProps) {
    super(scope, id);
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(props.name, 'tls', { namespace: props.namespace, app: props.app }),
      type: 'kubernetes.io/tls',
      // `data`, not `stringData`: what the API server stores, so diffs and Argo CD compare like with like.
      data: { 'tls.crt': b64(props.bundle.cert), 'tls.key': b64(props.bundle.key), 'ca.crt': b64(props.bundle.ca) },
    });
  }
}

/** Every TLS Secret of a cluster's roles, each in `secrets/<name>.yaml`. */
export function addTlsSecrets(app: App, ctx: ClusterContext): void {
  const { cluster, pki } = ctx;
  const namespace = cluster.stack.namespace;
  const add = (name: string, component: string, bundle: TlsBundle) =>
    new TlsSecret(new FileChart(app, `${SECRETS_DIR}/${name}`), name, { name, namespace, app: component, bundle });
  if (isWorkload(cluster)) add(SIDECAR_TLS_SECRET, 'thanos-sidecar', pki.sidecar(cluster.name));
  if (isObserver(cluster)) {
    add(QUERIER_TLS_SECRET, 'thanos-querier', pki.querier(cluster.name));
    if (cluster.observer.querier.storeGateway?.tls) add(STORE_GATEWAY_TLS_SECRET, 'thanos-store-gateway', pki.storeGateway(cluster.name));
  }
}
