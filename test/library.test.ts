// promfleet as a construct library: the stacks in a chart of one's own make a working stack, and
// the fleet app's one-file-per-component layout renders exactly what the stacks render.
import { expect } from '@jest/globals';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { isObserver, isWorkload, ObserverMonitoring, observerMonitoringProps, storeEndpoint, WorkloadMonitoring, workloadMonitoringProps } from '../lib';
import { defaultFleetText, fleetFrom, render, testPki, type RenderedObject } from './support/fleet';
import type { Manifest } from './support/manifests';
import { HUB_FLEET } from './support/observer-fleet';
import { matches, unselected } from './support/selection';

function synth(build: (chart: Chart) => void): RenderedObject[] {
  const chart = new Chart(new App(), 'user', { disableResourceNameHashes: true });
  build(chart);
  return (chart.toJson() as Manifest[]).map((obj) => ({ cluster: 'user', file: 'user.k8s.yaml', obj }));
}

const key = (o: RenderedObject) => `${o.obj.kind} ${o.obj.metadata.namespace ?? ''}/${o.obj.metadata.name}`;

/** The objects in a stable order, without the Argo CD sync waves the fleet app adds (the stacks leave them to their user). */
function comparable(objects: RenderedObject[]): unknown[] {
  return [...objects]
    .sort((a, b) => key(a).localeCompare(key(b)))
    .map(({ obj }) => {
      const annotations = Object.fromEntries(Object.entries(obj.metadata.annotations ?? {}).filter(([k]) => !k.startsWith('argocd.argoproj.io/')));
      const { annotations: _all, ...metadata } = obj.metadata;
      return { ...obj, metadata: Object.keys(annotations).length ? { ...metadata, annotations } : metadata };
    });
}

describe('WorkloadMonitoring in a chart of its own', () => {
  let monitoring!: WorkloadMonitoring;
  const objects = synth((chart) => (monitoring = new WorkloadMonitoring(chart, 'monitoring')));

  it('renders the whole stack with its defaults: Namespace, operator, Prometheus, Alertmanager, exporters, monitors, rules', () => {
    const kinds = new Set(objects.map((o) => o.obj.kind));
    for (const kind of ['Namespace', 'Deployment', 'Prometheus', 'Alertmanager', 'DaemonSet', 'ServiceMonitor', 'PrometheusRule'])
      expect(kinds).toContain(kind);
    expect(objects.filter((o) => o.obj.kind === 'Namespace').map((o) => o.obj.metadata.name)).toEqual(['monitoring']);
    // No sidecar unless asked for, so no certificate is needed.
    expect(objects.some((o) => o.obj.kind === 'Prometheus' && 'thanos' in o.obj.spec)).toBe(false);
    expect(objects.some((o) => o.obj.kind === 'Secret' && o.obj.type === 'kubernetes.io/tls')).toBe(false);
  });

  it('selects every monitor and rule of the stack, and tells its user the labels for their own', () => {
    expect(unselected(objects).map(key)).toEqual([]);
    const prometheus = objects.find((o) => o.obj.kind === 'Prometheus');
    expect(prometheus?.obj.kind === 'Prometheus' && matches(prometheus.obj.spec.serviceMonitorSelector, monitoring.monitorSelector)).toBe(true);
    expect(monitoring.namespace).toBe('monitoring');
  });
});

describe('the fleet app composes the same stacks', () => {
  it.each([
    ['default fleet', defaultFleetText()],
    ['hub fleet (observer and workload in one cluster, Store Gateway, extra store)', HUB_FLEET],
  ])('%s: each cluster renders the objects of its stacks built in one chart', (_name, text) => {
    const fleet = fleetFrom(text);
    const pki = testPki(fleet);
    const rendered = render(fleet, undefined, pki);
    for (const cluster of fleet.clusters) {
      const own = synth((chart) => {
        // One Namespace per cluster; the workload stack's, where there is one, since node-exporter sets its Pod Security profile.
        if (isWorkload(cluster)) new WorkloadMonitoring(chart, 'workload', { ...workloadMonitoringProps(cluster, pki), createNamespace: true });
        if (isObserver(cluster))
          new ObserverMonitoring(chart, 'observer', { ...observerMonitoringProps(fleet, cluster, pki), createNamespace: !isWorkload(cluster) });
      });
      const files = rendered.objects.filter((o) => o.cluster === cluster.name);
      expect([cluster.name, files.length]).toEqual([cluster.name, own.length]);
      expect(comparable(files)).toEqual(comparable(own));
    }
  });
});

describe('ObserverMonitoring in a chart of its own', () => {
  const objects = synth(
    (chart) =>
      new ObserverMonitoring(chart, 'observer', {
        sidecars: [storeEndpoint('sidecar.eu.example.com'), storeEndpoint('sidecar.us.example.com', 443)],
        querier: { extraStores: [storeEndpoint('thanos-ruler.monitoring.svc', 10901, false)] },
        storeGateway: { objectStorage: { name: 'thanos-objstore', key: 'objstore.yml' } },
      }),
  );

  it('lists the sidecars, then its Store Gateway, then the other stores, with mTLS where asked', () => {
    const cm = objects.find((o) => o.obj.kind === 'ConfigMap');
    const config = parse(cm?.obj.kind === 'ConfigMap' ? cm.obj.data['endpoints.yaml'] : '') as {
      endpoints: { address: string; client_config: { server_name?: string } }[];
    };
    expect(config.endpoints.map((e) => [e.address, e.client_config.server_name])).toEqual([
      ['sidecar.eu.example.com:10901', 'sidecar.eu.example.com'],
      ['sidecar.us.example.com:443', 'sidecar.us.example.com'],
      ['thanos-store-gateway.monitoring.svc:10901', 'thanos-store-gateway.monitoring.svc'],
      ['thanos-ruler.monitoring.svc:10901', undefined],
    ]);
  });

  it('renders no ServiceMonitor without a monitor selector, and no Secret without certificates', () => {
    const kinds = objects.map((o) => o.obj.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('Secret');
    expect(
      objects
        .filter((o) => o.obj.kind === 'Deployment' || o.obj.kind === 'StatefulSet')
        .map(key)
        .sort(),
    ).toEqual(['Deployment monitoring/thanos-querier', 'StatefulSet monitoring/thanos-store-gateway']);
  });
});
