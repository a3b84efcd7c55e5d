// The fleet's Grafana dashboards: each builds with the Foundation SDK into the same JSON every time, under a stable
// uid; every panel query is PromQL once Grafana's variables are filled in, is narrowed to the chosen cluster, and
// reads only recording rules that the fleet renders; every dashboard has cluster and namespace variables fed by the
// Querier; and the fleet overview's cluster variable reads the external label every workload cluster sets.
import { expect } from '@jest/globals';
import { DATASOURCE, fleetDashboards, type FleetDashboard } from '../lib/components/dashboards';
import { CLUSTER_LABEL } from '../lib/names';
import { labelValuesQuery, recordedSeries, selectors, substituteVariables, syntaxErrors } from './support/dashboard-queries';
import { defaultFleetText, fleetFrom, ofKind, render, type Rendered } from './support/fleet';
import { isWorkload, type FleetModel } from '../lib/fleet/model';

interface Variable {
  name: string;
  type: string;
  query?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  type: string;
  title: string;
  id?: number;
  datasource?: { uid?: string };
  targets?: { expr: string; refId?: string; datasource?: { uid?: string } }[];
}
interface Model {
  uid: string;
  title: string;
  tags: string[];
  templating: { list: Variable[] };
  panels: Panel[];
}

const model = (d: FleetDashboard) => d.model as Model;
const variables = (d: FleetDashboard) => model(d).templating.list;
/** A value for each of the dashboard's variables that the parser accepts in a label matcher; the cluster's is recognisable. */
const CLUSTER_SENTINEL = 'chosen-cluster';
const valuesOf = (d: FleetDashboard) => Object.fromEntries(variables(d).map((v) => [v.name, v.name === 'cluster' ? CLUSTER_SENTINEL : `chosen-${v.name}`]));

/** Every query of a dashboard with where it is: panel targets and variable sources, variables substituted. */
function queriesOf(d: FleetDashboard): { where: string; expr: string }[] {
  const values = valuesOf(d);
  const panels = model(d).panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `${d.uid} / ${p.title} / ${t.refId}`, expr: substituteVariables(t.expr, values) })),
  );
  const sources = variables(d)
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `${d.uid} / variable ${v.name}`, expr: substituteVariables(labelValuesQuery(v.query!).selector, values) }));
  return [...panels, ...sources];
}

/** Recording-rule series the queries read that no rule of `records` records. */
function unknownRecords(queries: readonly { where: string; expr: string }[], records: ReadonlySet<string>): string[] {
  return queries.flatMap((q) =>
    recordedSeries(q.expr)
      .filter((name) => !records.has(name))
      .map((name) => `${q.where}: ${name}`),
  );
}

/** Selectors of the queries with no matcher on the chosen cluster. */
function unnarrowed(queries: readonly { where: string; expr: string }[]): string[] {
  return queries.flatMap((q) =>
    selectors(q.expr)
      .filter((s) => !s.matchers.some((m) => m.value.includes(CLUSTER_SENTINEL)))
      .map((s) => `${q.where}: ${s.text}`),
  );
}

/** Every series name recorded by the PrometheusRules of a render. */
const recordsOf = (r: Rendered) =>
  new Set(ofKind(r.objects, 'PrometheusRule').flatMap((o) => o.obj.spec.groups.flatMap((g) => g.rules.flatMap((rule) => (rule.record ? [rule.record] : [])))));

/**
 * The workload clusters of a render whose Prometheus does not set `label` among its external labels, or sets it to
 * another value than the fleet's model holds for the cluster.
 */
function prometheusesWithout(r: Rendered, fleet: FleetModel, label: string): string[] {
  const expected = (name: string) => {
    const c = fleet.clusters.find((x) => x.name === name);
    return c && isWorkload(c) ? c.workload.externalLabels[label] : undefined;
  };
  return ofKind(r.objects, 'Prometheus')
    .filter((o) => {
      const value = o.obj.spec.externalLabels?.[label];
      return value === undefined || value !== expected(o.cluster);
    })
    .map((o) => `${o.cluster}: ${JSON.stringify(o.obj.spec.externalLabels)}`);
}

const dashboards = fleetDashboards();
const overview = dashboards.find((d) => d.uid === 'promfleet-fleet-overview')!;

describe('the Grafana variables in queries', () => {
  it('become values the parser reads: durations for the built-ins, the given values for the dashboard variables', () => {
    const query = 'sum by (pod) (rate(x{cluster="$cluster", namespace=~"${namespace}", pod="[[pod]]", job="${job:regex}"}[$__rate_interval])) / $__range_s';
    expect(syntaxErrors(query)).not.toEqual([]);
    const done = substituteVariables(query, { cluster: 'eu', namespace: 'web', pod: 'web-0', job: 'api' });
    expect(done).toBe('sum by (pod) (rate(x{cluster="eu", namespace=~"web", pod="web-0", job="api"}[5m])) / 3600');
    expect(syntaxErrors(done)).toEqual([]);
  });

  it("leave label_replace's capture groups alone, and reject a variable the dashboard does not have", () => {
    expect(substituteVariables('label_replace(up{cluster="$cluster"}, "c", "$1", "instance", "(.*)")', { cluster: 'eu' })).toBe(
      'label_replace(up{cluster="eu"}, "c", "$1", "instance", "(.*)")',
    );
    expect(() => substituteVariables('up{node="$node"}', { cluster: 'eu' })).toThrow('"node"');
  });

  it('are found by the tree walk, which tells series names from label values', () => {
    const expr = 'a:b:c{x="y:z"} + rate({__name__="d:e", cluster="k"}[5m]) + {"f:g"} + plain_metric + sum(h:i offset 5m)';
    expect(recordedSeries(expr)).toEqual(['a:b:c', 'd:e', 'f:g', 'h:i']);
    expect(selectors("up{cluster=~`e.*`, job='j'}")[0].matchers).toEqual([
      { label: 'cluster', op: '=~', value: 'e.*' },
      { label: 'job', op: '=', value: 'j' },
    ]);
  });
});

describe('the dashboards', () => {
  it('are built once per process and shared', () => {
    expect(fleetDashboards()).toBe(dashboards);
    expect(fleetDashboards()[0]).toBe(dashboards[0]);
    expect(Object.isFrozen(dashboards)).toBe(true);
  });

  it('build into the same JSON every time, under stable, unique uids that name their files', () => {
    let again: readonly FleetDashboard[] = [];
    jest.isolateModules(() => {
      // A fresh module registry: the SDK builds every dashboard again instead of handing back the shared set.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      again = (require('../lib/components/dashboards') as typeof import('../lib/components/dashboards')).fleetDashboards();
    });
    expect(again).not.toBe(dashboards);
    expect(JSON.stringify(again)).toBe(JSON.stringify(dashboards));
    // Links and bookmarks point at these: changing one is a breaking change.
    expect(dashboards.map((d) => d.uid)).toEqual([
      'promfleet-fleet-overview',
      'promfleet-compute-resources-cluster',
      'promfleet-compute-resources-namespace',
      'promfleet-compute-resources-workload',
      'promfleet-compute-resources-pod',
      'promfleet-nodes',
      'promfleet-persistent-volumes',
      'promfleet-apiserver',
      'promfleet-kubelet',
      'promfleet-prometheus',
      'promfleet-alertmanager',
      'promfleet-thanos-query',
      'promfleet-thanos-sidecar',
      'promfleet-thanos-store',
      'promfleet-thanos-compact',
    ]);
    for (const d of dashboards) {
      expect([d.uid, model(d).uid, model(d).title, model(d).tags]).toEqual([d.uid, d.uid, d.title, expect.arrayContaining(['promfleet'])]);
      expect(d.fileName).toBe(`${d.uid.replace(/^promfleet-/, '')}.json`);
      expect(JSON.parse(JSON.stringify(d.model))).toEqual(d.model);
    }
  });

  it('give every panel a unique id and every query of a panel a unique refId, all on the Querier', () => {
    for (const d of dashboards) {
      const ids = model(d).panels.map((p) => p.id);
      expect([d.uid, new Set(ids).size, ids.includes(undefined)]).toEqual([d.uid, ids.length, false]);
      for (const p of model(d).panels.filter((x) => x.type !== 'row')) {
        const targets = p.targets ?? [];
        expect([d.uid, p.title, targets.length > 0, new Set(targets.map((t) => t.refId)).size]).toEqual([d.uid, p.title, true, targets.length]);
        expect([p.datasource?.uid, ...targets.map((t) => t.datasource?.uid)].every((uid) => uid === DATASOURCE.uid)).toBe(true);
      }
    }
  });

  it('have a cluster variable and, but for the fleet overview, a namespace variable after it, both queries of the Querier', () => {
    for (const d of dashboards) {
      const vars = variables(d);
      const names = vars.map((v) => v.name);
      expect([d.uid, names[0]]).toEqual([d.uid, 'cluster']);
      if (d !== overview) expect([d.uid, names[1]]).toEqual([d.uid, 'namespace']);
      for (const v of vars.filter((x) => x.name === 'cluster' || x.name === 'namespace')) {
        expect([d.uid, v.name, v.type, v.datasource]).toEqual([d.uid, v.name, 'query', DATASOURCE]);
        const { selector, label } = labelValuesQuery(v.query!);
        expect([d.uid, v.name, label]).toEqual([d.uid, v.name, v.name === 'cluster' ? CLUSTER_LABEL : 'namespace']);
        // The namespaces are those of the chosen cluster.
        if (v.name === 'namespace') expect([d.uid, selector]).toEqual([d.uid, expect.stringContaining(`${CLUSTER_LABEL}="$cluster"`)]);
      }
    }
  });

  const queries = dashboards.flatMap(queriesOf);

  it('hold only queries that parse as PromQL once the variables are filled in', () => {
    expect(queries.length).toBeGreaterThan(200);
    expect(queries.filter((q) => syntaxErrors(q.expr).length).map((q) => `${q.where}: ${q.expr}`)).toEqual([]);
    // The check sees a broken query.
    expect(syntaxErrors('sum(rate(up{cluster="x"}[5m])')).not.toEqual([]);
  });

  it('narrow every selector of every query to the chosen cluster (but that of the cluster variable, which lists them)', () => {
    expect(unnarrowed(queries.filter((q) => !q.where.endsWith('/ variable cluster')))).toEqual([]);
    expect(unnarrowed([{ where: 'probe', expr: `up{job="a"} / up{${CLUSTER_LABEL}="${CLUSTER_SENTINEL}"}` }])).toEqual(['probe: up{job="a"}']);
  });
});

describe('the dashboards against the rendered fleet', () => {
  const defaultFleet = fleetFrom(defaultFleetText());
  const rendered = render(defaultFleet);
  const records = recordsOf(rendered);

  it('read only recording rules that the default fleet renders', () => {
    const used = new Set(dashboards.flatMap(queriesOf).flatMap((q) => recordedSeries(q.expr)));
    // The compute-resources, node, API server and kubelet dashboards lean on the catalogue's records.
    expect(used.size).toBeGreaterThan(20);
    expect(records.size).toBeGreaterThan(used.size / 2);
    expect(unknownRecords(dashboards.flatMap(queriesOf), records)).toEqual([]);
  });

  it('would be caught reading a record that no rule records', () => {
    const typo = [{ where: 'probe', expr: `sum(namespace_cpu:kube_pod_container_resource_request:sum{${CLUSTER_LABEL}="x"})` }];
    expect(unknownRecords(typo, records)).toEqual(['probe: namespace_cpu:kube_pod_container_resource_request:sum']);
  });

  it('list, in the fleet overview, every cluster that runs Prometheus by the external label its Prometheus sets', () => {
    const { label } = labelValuesQuery(variables(overview).find((v) => v.name === 'cluster')!.query!);
    // The observer monitors itself: its Prometheus sets the label too.
    expect(ofKind(rendered.objects, 'Prometheus').map((o) => o.cluster)).toEqual(['observer', 'workload-eu', 'workload-us']);
    expect(prometheusesWithout(rendered, defaultFleet, label)).toEqual([]);

    // Three workload clusters, one of which names itself differently in the label.
    const three = fleetFrom(`
clusters:
  - name: obs
    roles: [observer]
${['a', 'b', 'c']
  .map(
    (c) => `  - name: ${c}
    roles: [workload]
    ${c === 'c' ? 'externalLabels: { cluster: c-production, region: r1 }' : ''}
    thanos: { endpoint: { host: "sidecar-{replica}.${c}.example.com", port: 443 } }`,
  )
  .join('\n')}
`);
    const threeRendered = render(three);
    expect(ofKind(threeRendered.objects, 'Prometheus').map((o) => [o.cluster, o.obj.spec.externalLabels?.[label]])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c-production'],
      ['obs', 'obs'],
    ]);
    expect(prometheusesWithout(threeRendered, three, label)).toEqual([]);
    // A variable reading a label the clusters do not all set would miss some of them.
    expect(prometheusesWithout(threeRendered, three, 'region')).toEqual([
      expect.stringMatching(/^a: /),
      expect.stringMatching(/^b: /),
      expect.stringMatching(/^obs: /),
    ]);
  });
});
