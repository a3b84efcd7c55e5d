// The TLS Secrets of a cluster's roles, each in its own file under secrets/, which dist/.gitignore
// keeps out of Git while `kubectl apply -R` still deploys it.
import { App } from 'cdk8s';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET, TlsSecret } from '../components/tls-secret';
import { SIDECAR_TLS_SECRET } from '../components/thanos-sidecar';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { isObserver, isWorkload } from '../fleet/model';
import type { TlsBundle } from '../pki';
import type { ClusterContext } from './context';

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
