// The fleet-level alerts an observer's ThanosRuler evaluates through its own Querier: for every Prometheus the
// Querier reads, an alert when its series stop arriving, when the Querier holds no connection to its sidecar,
// and when its Watchdog stops arriving while its other series still do. They are generated per cluster, since an
// absence can only be noticed by someone who knows what to expect: `count by (cluster)` over what arrives would
// never see a cluster that has not sent a series yet, nor one that went silent before the ruler started.
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { meta } from '../meta';
import { FLEET_RULE_SCOPE, RULE_SCOPE_LABEL } from '../names';
import { namespaceOf, type NamespacedProps } from './base';
import { QUERIER_NAME } from './querier';
import { renderFamily, type AlertSpec, type RenderedGroup, type RuleFamily, type RuleOverrides } from './rule-families';
import { checkRuleGroups } from './rules';

export { FLEET_RULE_SCOPE, RULE_SCOPE_LABEL };
/** Name of the PrometheusRule with the fleet-level alerts. */
export const FLEET_RULES_NAME = 'promfleet-fleet';
/**
 * Thanos' per-group setting: a rule whose query reaches a store that fails is evaluated on what the other stores
 * answer (`warn`), not dropped (`abort`, the ruler's default), or one unreachable cluster would silence them all.
 */
export const FLEET_PARTIAL_RESPONSE = 'warn';

/** One Prometheus the observer's Querier reads, as the fleet-level alerts watch it. */
export interface WatchedCluster {
  /** Its `cluster` external label. */
  readonly name: string;
  /**
   * Whether it evaluates the Watchdog alert (its rules are on and Watchdog is not disabled): only then is a
   * missing Watchdog news.
   * @default true
   */
  readonly watchdog?: boolean;
}

export interface FleetRulesOptions {
  /** The clusters whose Prometheus the Querier reads, each with its `cluster` label. */
  readonly clusters: readonly WatchedCluster[];
  /** The `cluster` label of the observer whose own Prometheus scrapes the Querier. */
  readonly observer: string;
}

/** A PromQL regular expression (backquoted) on the Querier's `external_labels` string that matches a store of `cluster`. */
function storeOf(cluster: string): string {
  // Thanos prints each store's sorted external labels as {a="1", cluster="eu", ...}.
  return `external_labels=~\`.*[{ ]cluster="${cluster}"[,}].*\``;
}

/** The fleet-level alerts for `clusters`, as a rule family (each alert per cluster, told apart by its `cluster` label). */
export function fleetRuleFamily(o: FleetRulesOptions): RuleFamily {
  const Q = `cluster="${o.observer}", job="${QUERIER_NAME}"`;
  const rules: AlertSpec[] = o.clusters.flatMap((c): AlertSpec[] => {
    const C = `cluster="${c.name}"`;
    const own = { labels: { cluster: c.name } };
    return [
      {
        alert: 'FleetClusterSeriesAbsent',
        expr: `absent_over_time(up{${C}}[5m])`,
        for: '5m',
        severity: 'critical',
        summary: 'No series of a cluster reach the observer.',
        description:
          `The Querier on ${o.observer} has received no series from cluster ${c.name} for 10 minutes: nothing watches that cluster from here. ` +
          'FleetStoreEndpointDown fires with it when the Querier cannot reach its sidecars; otherwise its Prometheus stopped scraping.',
        ...own,
      },
      {
        alert: 'FleetStoreEndpointDown',
        // Per Querier pod that is up: a pod without a connection to the cluster's sidecar answers without its data.
        expr: `up{${Q}} == 1 unless on (pod) thanos_store_nodes_grpc_connections{${Q}, store_type="sidecar", ${storeOf(c.name)}}`,
        for: '5m',
        severity: 'critical',
        summary: "The Querier cannot reach a cluster's sidecars.",
        description:
          `Querier pod {{ $labels.pod }} on ${o.observer} has had no healthy connection to a sidecar of cluster ${c.name} for 5 minutes: ` +
          'its queries answer without that cluster. Check the endpoint, its DNS name and certificates (docs/operations.md, "Fleet-level alerts").',
        ...own,
      },
      ...(c.watchdog === false
        ? []
        : [
            <AlertSpec>{
              alert: 'FleetWatchdogMissing',
              // Only while its other series arrive: otherwise FleetClusterSeriesAbsent says more. (A negative matcher on
              // alertstate: absent() would copy an equality one into the alert's labels.)
              expr: `absent_over_time(ALERTS{alertname="Watchdog", alertstate!="pending", ${C}}[10m]) unless on () absent_over_time(up{${C}}[10m])`,
              for: '5m',
              severity: 'critical',
              summary: "A cluster's Watchdog alert stopped firing.",
              description:
                `Cluster ${c.name} still sends series, but its always-firing Watchdog has not been seen for 15 minutes: its Prometheus does not ` +
                'evaluate its rules, so none of its alerts would fire.',
              ...own,
            },
          ]),
    ];
  });
  return { name: 'fleet', needs: ['thanos-query'], groups: [{ name: FLEET_RULES_NAME, rules }] };
}

export interface FleetRulesProps extends NamespacedProps, FleetRulesOptions {
  /**
   * Alerts left out, and alerts changed (`for`, severity, labels).
   * @default none
   */
  readonly overrides?: RuleOverrides;
}

/**
 * The clusters whose alerts share one PrometheusRule: about 1.5 kB of YAML each, so that a large fleet's rules stay
 * far below the API server's object size limit (about 1.5 MB) and the operator's ConfigMap of rule files (1 MB).
 */
export const FLEET_RULES_CLUSTERS_PER_OBJECT = 200;

/** Name of the `i`-th (from 0) PrometheusRule of the fleet-level alerts, and of its group. */
export function fleetRulesName(i: number): string {
  return i === 0 ? FLEET_RULES_NAME : `${FLEET_RULES_NAME}-${i + 1}`;
}

/**
 * The fleet-level alerts as PrometheusRules that only a ThanosRuler selects (RULE_SCOPE_LABEL): `promfleet-fleet`,
 * then `promfleet-fleet-2`, ... for every FLEET_RULES_CLUSTERS_PER_OBJECT clusters.
 */
export class FleetRules extends Construct {
  /** The groups rendered, one per PrometheusRule. */
  readonly groups: RenderedGroup[] = [];

  constructor(scope: Construct, id: string, props: FleetRulesProps) {
    super(scope, id);
    const size = FLEET_RULES_CLUSTERS_PER_OBJECT;
    for (let i = 0; i * size < props.clusters.length; i++) {
      const clusters = props.clusters.slice(i * size, (i + 1) * size);
      const name = fleetRulesName(i);
      const groups = renderFamily(fleetRuleFamily({ ...props, clusters }), props.overrides).map((g) => ({ ...g, name }));
      checkRuleGroups(groups);
      if (!groups.length) continue;
      this.groups.push(...groups);
      new PrometheusRule(this, name, {
        metadata: meta(name, 'rules', { namespace: namespaceOf(props), labels: { [RULE_SCOPE_LABEL]: FLEET_RULE_SCOPE } }),
        spec: {
          groups: groups.map((g) => ({
            name: g.name,
            partialResponseStrategy: FLEET_PARTIAL_RESPONSE,
            rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
          })),
        },
      });
    }
  }
}
