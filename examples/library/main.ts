// A cdk8s app of its own: a shop Deployment and its metrics Service, monitored by promfleet's
// workload stack in the same chart. The shop's ServiceMonitor carries the stack's monitor
// selector, so the stack's Prometheus scrapes it (from any namespace).
//
// The monitoring.coreos.com CRDs of Prometheus Operator v0.93 must be installed before the
// rendered dist/shop.k8s.yaml is applied (see the promfleet README).
import { ApiObject, App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { WorkloadMonitoring } from 'promfleet';

const METRICS_PORT = 9090;

export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    const monitoring = new WorkloadMonitoring(this, 'monitoring', {
      prometheus: { replicas: 1, retention: '7d', externalLabels: { cluster: 'shop' } },
      alertmanager: { receivers: [{ name: 'shop-team', webhook: { url: { name: 'alert-hooks', key: 'shop-team' } } }] },
    });

    const shop = new kplus.Deployment(this, 'shop', {
      metadata: { name: 'shop' },
      containers: [
        {
          name: 'shop',
          image: 'ghcr.io/example/shop:1.4.2',
          ports: [
            { name: 'http', number: 8080 },
            { name: 'metrics', number: METRICS_PORT },
          ],
        },
      ],
    });

    const labels = { 'app.kubernetes.io/name': 'shop' };
    new kplus.Service(this, 'shop-metrics', {
      metadata: { name: 'shop-metrics', labels },
      selector: shop,
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: METRICS_PORT }],
    });

    new ApiObject(this, 'shop-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'shop', labels: monitoring.monitorSelector },
      spec: {
        selector: { matchLabels: labels },
        endpoints: [{ port: 'metrics', interval: '30s' }],
      },
    });
  }
}

const app = new App();
new ShopChart(app, 'shop');
app.synth();
