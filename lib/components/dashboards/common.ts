// What every dashboard of the fleet shares: the Querier as datasource, the `cluster` and `namespace` variables,
// the uid scheme, tags, time defaults, and a small panel vocabulary (time series, stat, table) so that units,
// legends and query ids look the same on every dashboard. Built with the Grafana Foundation SDK's typed builders.
import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { CLUSTER_LABEL } from '../../names';
import type { FleetDashboard } from './index';

/** The Querier's datasource: Grafana's provisioning names it with this uid, and every panel and variable uses it. */
export const DATASOURCE = { type: 'prometheus', uid: 'promfleet-thanos' };

/** Every dashboard is tagged with this (the dashboards' link menu lists the tag), and its uid starts with it. */
export const DASHBOARD_TAG = 'promfleet';

/**
 * The `job` of the blackbox probes of the sidecars' endpoints, and the label that names the probed workload
 * cluster on them (the probes run on the observer, whose own `cluster` label their series carry).
 */
export { SIDECAR_PROBE_JOB, SIDECAR_CLUSTER_LABEL as SIDECAR_PROBE_CLUSTER_LABEL } from '../blackbox-exporter';

/** The `job` of the Thanos Compactor on the observer. */
export const COMPACT_JOB = 'thanos-compact';

/** The selector matcher of the dashboard's cluster, which every query carries. */
export const CLUSTER = `${CLUSTER_LABEL}="$cluster"`;

/** A series selector's braces: the cluster matcher first, then `matchers`. */
export const on = (...matchers: string[]): string => `{${[CLUSTER, ...matchers.filter((m) => m !== '')].join(', ')}}`;

/** A query of a panel: PromQL with its legend, or PromQL alone. */
export type Query = string | { readonly expr: string; readonly legend?: string };

export interface PanelOptions {
  /** What the panel answers, shown as its tooltip. */
  readonly description?: string;
  /** @default none (a plain number) */
  readonly unit?: string;
  /** Width in grid columns (24 make a row). @default 12 */
  readonly width?: number;
  /** @default 8 */
  readonly height?: number;
  /** @default none */
  readonly min?: number;
  /** @default none */
  readonly max?: number;
  /** Stack the series (their sum is the total). @default false */
  readonly stack?: boolean;
  /** Colour steps of a stat or table: [from value, colour]; the first applies from minus infinity. @default green */
  readonly steps?: readonly (readonly [number | null, string])[];
}

/** A column of a table panel: one instant query, its values shown under `title`. */
export interface Column {
  readonly title: string;
  readonly expr: string;
  readonly unit?: string;
}

/** A query variable besides `cluster` and `namespace`: the values of `label` on the series `source` selects. */
export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  /** A series selector, narrowed by the variables before it (`{cluster="$cluster", ...}`). */
  readonly source: string;
  /** @default the variable's name */
  readonly labelName?: string;
  /** Offer "All" (and several values). @default false */
  readonly all?: boolean;
}

export interface BoardSpec {
  /** The uid (after `promfleet-`) and the file name. */
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** The series whose cluster label lists the clusters to choose from. @default up */
  readonly clusterSource?: string;
  /** Several clusters at once, "All" included: for the fleet-wide dashboard. @default false */
  readonly multiCluster?: boolean;
  /** The series whose namespace label lists the namespaces; none on a fleet-wide dashboard. */
  readonly namespace?: { readonly source: string; readonly all?: boolean };
  /** Variables after cluster and namespace. @default none */
  readonly variables?: readonly VariableSpec[];
}

const REFRESH = '1m';
const RANGE = { from: 'now-1h', to: 'now' };

const queryVariable = (name: string, label: string, source: string, labelName: string, all: boolean) => {
  const query = `label_values(${source}, ${labelName})`;
  const v = new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
  // "All" is a regular expression over every value; queries match it with =~.
  return all ? v.multi(true).includeAll(true).allValue('.+') : v;
};

/** One dashboard being built: variables and links at once, then rows and panels in reading order. */
export class Board {
  private readonly builder: DashboardBuilder;
  private nextPanelId = 1;

  constructor(private readonly spec: BoardSpec) {
    this.builder = new DashboardBuilder(spec.title)
      .uid(`${DASHBOARD_TAG}-${spec.slug}`)
      .description(spec.description)
      .tags([DASHBOARD_TAG, ...spec.tags])
      .refresh(REFRESH)
      .time(RANGE)
      .timezone('utc')
      .tooltip(DashboardCursorSync.Crosshair)
      .readonly()
      .link(new DashboardLinkBuilder('Dashboards').type(DashboardLinkType.Dashboards).tags([DASHBOARD_TAG]).asDropdown(true).includeVars(true).keepTime(true))
      .withVariable(queryVariable('cluster', 'Cluster', spec.clusterSource ?? 'up', CLUSTER_LABEL, spec.multiCluster ?? false));
    if (spec.namespace) this.builder.withVariable(queryVariable('namespace', 'Namespace', spec.namespace.source, 'namespace', spec.namespace.all ?? false));
    for (const v of spec.variables ?? []) this.builder.withVariable(queryVariable(v.name, v.label, v.source, v.labelName ?? v.name, v.all ?? false));
  }

  row(title: string): this {
    this.builder.withRow(new RowBuilder(title).id(this.nextPanelId++));
    return this;
  }

  /** Series over time, one line per legend entry. */
  timeseries(title: string, queries: readonly Query[], o: PanelOptions = {}): this {
    const p = new timeseries.PanelBuilder()
      .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
      .fillOpacity(o.stack ? 30 : 10)
      .lineWidth(1);
    if (o.stack) p.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
    this.panel(p, title, o);
    queries.forEach((q, i) => p.withTarget(this.target(q, i)));
    this.builder.withPanel(p);
    return this;
  }

  /** One number: the last value of the query. */
  stat(title: string, query: Query, o: PanelOptions = {}): this {
    const p = new stat.PanelBuilder().reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    this.panel(p, title, { ...o, width: o.width ?? 4, height: o.height ?? 4 });
    p.withTarget(this.target(query, 0).instant());
    this.builder.withPanel(p);
    return this;
  }

  /**
   * A table: one row per value of `by`, one column per query. Each query is instant and must aggregate
   * `by (...)` exactly these labels: Grafana's merge joins the queries' rows on every label they have.
   */
  table(title: string, by: readonly string[], columns: readonly Column[], o: PanelOptions = {}): this {
    const p = new table.PanelBuilder();
    this.panel(p, title, { ...o, height: o.height ?? 10 });
    columns.forEach((c, i) => p.withTarget(this.target(c.expr, i).instant().format(PromQueryFormat.Table)));
    // Each query is a frame with a "Value #<refId>" column: join them on the labels, keep the labels and values.
    p.withTransformation({ id: 'merge', options: {} });
    p.withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: Object.fromEntries([...by, ...columns.map((_, i) => `Value #${refId(i)}`)].map((name, i) => [name, i])),
        renameByName: Object.fromEntries(columns.map((c, i) => [`Value #${refId(i)}`, c.title])),
      },
    });
    for (const c of columns) if (c.unit) p.overrideByName(c.title, [{ id: 'unit', value: c.unit }]);
    this.builder.withPanel(p);
    return this;
  }

  build(): FleetDashboard {
    const uid = `${DASHBOARD_TAG}-${this.spec.slug}`;
    // Plain JSON, as Grafana reads it: the SDK's query objects also carry a marker method.
    const model = JSON.parse(JSON.stringify(this.builder.build())) as object;
    return { uid, title: this.spec.title, fileName: `${this.spec.slug}.json`, model };
  }

  private panel(p: timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder, title: string, o: PanelOptions): void {
    p.id(this.nextPanelId++)
      .title(title)
      .datasource(DATASOURCE)
      .span(o.width ?? 12)
      .height(o.height ?? 8);
    if (o.description) p.description(o.description);
    if (o.unit) p.unit(o.unit);
    if (o.min !== undefined) p.min(o.min);
    if (o.max !== undefined) p.max(o.max);
    if (o.steps) {
      p.thresholds(
        new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(o.steps.map(([value, color], i) => ({ value: i === 0 ? null : value, color }))),
      );
    }
  }

  private target(q: Query, i: number): DataqueryBuilder {
    const { expr, legend } = typeof q === 'string' ? { expr: q, legend: undefined } : q;
    const t = new DataqueryBuilder().refId(refId(i)).datasource(DATASOURCE).expr(expr);
    return legend === undefined ? t : t.legendFormat(legend);
  }
}

const refId = (i: number) => String.fromCharCode(65 + i);
