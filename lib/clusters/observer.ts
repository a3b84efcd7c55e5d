// An observer cluster: the Thanos Querier that reaches every workload sidecar over mTLS, and the
// optional Store Gateway. Files 70-79; the client and server Secrets come from tls-secret.ts.
import { App } from 'cdk8s';
import { querierEndpoints } from '../components/endpoints';
import { ThanosQuerier } from '../components/querier';
import { ThanosStoreGateway } from '../components/store-gateway';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET } from '../components/tls-secret';
import { FileChart } from '../file-chart';
import type { ObserverCluster } from '../fleet/model';
import type { ClusterContext } from './context';
import { assertObserverWiring } from './observer-checks';

export function addObserverCharts(app: App, ctx: ClusterContext<ObserverCluster>): void {
  const { fleet, cluster, pki } = ctx;
  // Wrong wiring fails the synth here, before any file of the new dist/ is swapped in.
  assertObserverWiring(fleet, cluster, pki);
  new ThanosQuerier(new FileChart(app, '70-querier'), 'querier', {
    cluster,
    endpoints: querierEndpoints(fleet, cluster),
    replicaLabel: cluster.observer.replicaLabel,
    tlsSecret: QUERIER_TLS_SECRET,
  });
  const gateway = cluster.observer.querier.storeGateway;
  if (gateway) {
    new ThanosStoreGateway(new FileChart(app, '71-store-gateway'), 'store-gateway', {
      cluster,
      gateway,
      tlsSecret: gateway.tls ? STORE_GATEWAY_TLS_SECRET : undefined,
    });
  }
}
