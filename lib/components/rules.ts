// Alert rules for the stack itself, as a PrometheusRule. Every expression is parsed with the
// PromQL grammar at synth time, so a typo fails the build (naming the rule) instead of the
// operator silently dropping the rule file. Aggregations keep `cluster`: series carry it once
// they leave the cluster (Thanos adds the external labels), so the same rules work globally.
import { Construct } from 'constructs';
import { parser } from '@prometheus-io/lezer-promql';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps } from './base';
import { ALERTMANAGER_SERVICE } from './alertmanager';
import { KSM_NAME } from './kube-state-metrics';
import { NODE_EXPORTER_NAME } from './node-exporter';
import { PROMETHEUS_SERVICE } from './prometheus';
import { SIDECAR_JOB } from './thanos-sidecar';

export const STACK_RULES_NAME = 'promfleet-stack';

/** An alerting rule; its severity becomes the `severity` label, summary and description annotations. */
export interface AlertRule {
  readonly alert: string;
  /** PromQL, checked when the rule is rendered. */
  readonly expr: string;
  /**
   * How long the expression must hold before the alert fires.
   * @default at once
   */
  readonly for?: string;
  readonly severity: 'critical' | 'warning' | 'info' | 'none';
  readonly summary: string;
  readonly description: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** Where the expression stops being PromQL (offset and text around it), or undefined when it parses. */
export function promqlSyntaxError(expr: string): { offset: number; near: string } | undefined {
  let offset: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (offset === undefined && node.type.isError) offset = node.from;
      return offset === undefined;
    },
  });
  return offset === undefined ? undefined : { offset, near: expr.slice(Math.max(0, offset - 10), offset + 10) };
}

// Most clusters share the built-in expressions: each is parsed once per process, not per cluster.
const validExpressions = new Set<string>();

/** Throws, naming the rule and group, on the first expression that is not valid PromQL. */
export function checkRuleGroups(groups: RuleGroup[]): void {
  for (const g of groups) {
    for (const r of g.rules) {
      if (validExpressions.has(r.expr)) continue;
      const err = promqlSyntaxError(r.expr);
      if (err) {
        throw new Error(
          `alert rule "${r.alert}" (group "${g.name}"): invalid PromQL at character ${err.offset + 1} near ${JSON.stringify(err.near)}: ${r.expr}`,
        );
      }
      validExpressions.add(r.expr);
    }
  }
}

const sel = (job: string, extra = '') => `{job="${job}"${extra ? `, ${extra}` : ''}}`;

/**
 * What runs next to Prometheus: alerts about a component that does not run would fire for ever, or
 * never, so each group is rendered only for what is there.
 */
export interface StackRuleScope {
  /** @default true */
  readonly alertmanager?: boolean;
  /** @default false */
  readonly thanosSidecar?: boolean;
  /**
   * The sidecar uploads blocks to object storage.
   * @default false
   */
  readonly objectStorage?: boolean;
  /** @default true */
  readonly nodeExporter?: boolean;
  /** @default true */
  readonly kubeStateMetrics?: boolean;
}

/** The rule groups for what the stack runs. */
export function stackRuleGroups(scope: StackRuleScope = {}): RuleGroup[] {
  const prom = sel(PROMETHEUS_SERVICE);
  const groups: RuleGroup[] = [
    {
      name: 'promfleet.general',
      rules: [
        {
          alert: 'Watchdog',
          expr: 'vector(1)',
          severity: 'none',
          summary: 'Always firing: proves the alerting pipeline works end to end.',
          description: "This alert always fires. Route it to a dead man's switch; if it stops arriving, alerting is broken.",
        },
        {
          alert: 'TargetDown',
          expr: '100 * (count by (cluster, namespace, job, service) (up == 0) / count by (cluster, namespace, job, service) (up)) > 10',
          for: '10m',
          severity: 'warning',
          summary: 'Scrape targets are down.',
          description: '{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets in {{ $labels.namespace }} are down.',
        },
      ],
    },
    {
      name: 'promfleet.prometheus',
      rules: [
        {
          alert: 'PrometheusConfigReloadFailed',
          expr: `max_over_time(prometheus_config_last_reload_successful${prom}[5m]) == 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus failed to reload its configuration.',
          description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} has failed to reload its configuration.',
        },
        {
          alert: 'PrometheusRuleFailures',
          expr: `increase(prometheus_rule_evaluation_failures_total${prom}[5m]) > 0`,
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus is failing rule evaluations.',
          description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed to evaluate {{ printf "%.0f" $value }} rules in the last 5m.',
        },
        {
          alert: 'PrometheusTSDBCompactionsFailing',
          expr: `increase(prometheus_tsdb_compactions_failed_total${prom}[3h]) > 0`,
          for: '4h',
          severity: 'warning',
          summary: 'Prometheus has issues compacting blocks.',
          description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} has detected {{ $value | humanize }} compaction failures over the last 3h.',
        },
        {
          alert: 'PrometheusTargetSampleLimitExceeded',
          expr: `sum by (cluster, namespace, pod) (rate(prometheus_target_scrapes_exceeded_sample_limit_total${prom}[5m])) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus drops scrapes that exceed their sample limit.',
          description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} rejects scrapes because targets exceed their sample limit.',
        },
      ],
    },
  ];

  if (scope.alertmanager ?? true) {
    const am = sel(ALERTMANAGER_SERVICE);
    groups[1].rules.push(
      {
        alert: 'PrometheusNotConnectedToAlertmanagers',
        expr: `max_over_time(prometheus_notifications_alertmanagers_discovered${prom}[5m]) < 1`,
        for: '10m',
        severity: 'warning',
        summary: 'Prometheus is not connected to any Alertmanager.',
        description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} is not connected to any Alertmanager.',
      },
      {
        alert: 'PrometheusErrorSendingAlerts',
        expr: `100 * min without (alertmanager) (rate(prometheus_notifications_errors_total${prom}[5m]) / rate(prometheus_notifications_sent_total${prom}[5m])) > 3`,
        for: '15m',
        severity: 'critical',
        summary: 'Prometheus fails to send alerts to every Alertmanager.',
        description: '{{ printf "%.1f" $value }}% of alerts from Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed to reach any Alertmanager.',
      },
    );
    groups.push({
      name: 'promfleet.alertmanager',
      rules: [
        {
          alert: 'AlertmanagerFailedReload',
          expr: `max_over_time(alertmanager_config_last_reload_successful${am}[5m]) == 0`,
          for: '10m',
          severity: 'critical',
          summary: 'Reloading an Alertmanager configuration has failed.',
          description: 'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed to reload its configuration.',
        },
        {
          alert: 'AlertmanagerFailedToSendAlerts',
          expr: `rate(alertmanager_notifications_failed_total${am}[5m]) / ignoring (reason) group_left rate(alertmanager_notifications_total${am}[5m]) > 0.01`,
          for: '5m',
          severity: 'warning',
          summary: 'An Alertmanager instance failed to send notifications.',
          description:
            'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed to send {{ $value | humanizePercentage }} of notifications to {{ $labels.integration }}.',
        },
        {
          alert: 'AlertmanagerClusterDown',
          expr: `count by (cluster, namespace, service) (avg_over_time(up${am}[5m]) < 0.5) / count by (cluster, namespace, service) (up${am}) >= 0.5`,
          for: '5m',
          severity: 'critical',
          summary: 'Half or more of the Alertmanager instances are down.',
          description: '{{ $value | humanizePercentage }} of Alertmanager instances in {{ $labels.namespace }} have been up less than half of the last 5m.',
        },
      ],
    });
  }

  if (scope.thanosSidecar) {
    const sc = sel(SIDECAR_JOB);
    const rules: AlertRule[] = [
      {
        alert: 'ThanosSidecarNoConnectionToPrometheus',
        // While Prometheus replays its WAL (minutes on a big head), the sidecar cannot reach it and the
        // replay duration reads 0: only a Prometheus that has finished its replay makes this a real
        // outage, as in the Thanos mixin. A Prometheus that is down altogether has its own alerts.
        expr: `thanos_sidecar_prometheus_up${sc} == 0 and on (namespace, pod) prometheus_tsdb_data_replay_duration_seconds${sel(PROMETHEUS_SERVICE)} != 0`,
        for: '5m',
        severity: 'critical',
        summary: 'The Thanos sidecar cannot reach its Prometheus.',
        description: 'Thanos sidecar {{ $labels.namespace }}/{{ $labels.pod }} has no connection to Prometheus: the observer sees no data from it.',
      },
      {
        alert: 'ThanosSidecarGrpcErrors',
        expr:
          `100 * sum by (cluster, namespace, pod) (rate(grpc_server_handled_total${sel(SIDECAR_JOB, 'grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"')}[5m]))` +
          ` / sum by (cluster, namespace, pod) (rate(grpc_server_started_total${sc}[5m])) > 5`,
        for: '5m',
        severity: 'warning',
        summary: 'The Thanos sidecar fails gRPC requests.',
        description: 'Thanos sidecar {{ $labels.namespace }}/{{ $labels.pod }} fails {{ printf "%.2f" $value }}% of gRPC requests.',
      },
    ];
    if (scope.objectStorage) {
      rules.push({
        alert: 'ThanosSidecarBucketOperationsFailed',
        expr: `sum by (cluster, namespace, pod) (rate(thanos_objstore_bucket_operation_failures_total${sc}[5m])) > 0`,
        for: '5m',
        severity: 'critical',
        summary: 'The Thanos sidecar fails to upload blocks to object storage.',
        description: 'Thanos sidecar {{ $labels.namespace }}/{{ $labels.pod }} bucket operations are failing.',
      });
    }
    groups.push({ name: 'promfleet.thanos-sidecar', rules });
  }

  const node: AlertRule[] = [];
  if (scope.nodeExporter ?? true) {
    const fs = sel(NODE_EXPORTER_NAME, 'fstype!=""');
    const ne = sel(NODE_EXPORTER_NAME);
    node.push(
      {
        alert: 'NodeFilesystemAlmostOutOfSpace',
        expr: `node_filesystem_avail_bytes${fs} / node_filesystem_size_bytes${fs} * 100 < 5 and node_filesystem_readonly${fs} == 0`,
        for: '30m',
        severity: 'critical',
        summary: 'A filesystem has less than 5% space left.',
        description: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has {{ printf "%.2f" $value }}% space left.',
      },
      {
        alert: 'NodeFilesystemFillingUp',
        expr:
          `node_filesystem_avail_bytes${fs} / node_filesystem_size_bytes${fs} * 100 < 40` +
          ` and predict_linear(node_filesystem_avail_bytes${fs}[6h], 24 * 60 * 60) < 0 and node_filesystem_readonly${fs} == 0`,
        for: '1h',
        severity: 'warning',
        summary: 'A filesystem is predicted to run out of space within 24 hours.',
        description: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has {{ printf "%.2f" $value }}% left and is filling up.',
      },
      {
        alert: 'NodeMemoryHighUtilization',
        expr: `100 - node_memory_MemAvailable_bytes${ne} / node_memory_MemTotal_bytes${ne} * 100 > 90`,
        for: '15m',
        severity: 'warning',
        summary: 'A node is running out of memory.',
        description: 'Memory on {{ $labels.instance }} is {{ printf "%.0f" $value }}% used.',
      },
      {
        alert: 'NodeCPUHighUsage',
        expr: `100 * (1 - avg by (cluster, instance) (rate(node_cpu_seconds_total${sel(NODE_EXPORTER_NAME, 'mode="idle"')}[5m]))) > 90`,
        for: '15m',
        severity: 'info',
        summary: 'High CPU usage on a node.',
        description: 'CPU on {{ $labels.instance }} has been {{ printf "%.0f" $value }}% busy for 15 minutes.',
      },
    );
  }
  if (scope.kubeStateMetrics ?? true) {
    node.push(
      {
        alert: 'KubeNodeNotReady',
        expr: `kube_node_status_condition${sel(KSM_NAME, 'condition="Ready", status="true"')} == 0`,
        for: '15m',
        severity: 'warning',
        summary: 'A node is not ready.',
        description: 'Node {{ $labels.node }} has been unready for more than 15 minutes.',
      },
      {
        alert: 'KubePodCrashLooping',
        expr: `max_over_time(kube_pod_container_status_waiting_reason${sel(KSM_NAME, 'reason="CrashLoopBackOff"')}[5m]) >= 1`,
        for: '15m',
        severity: 'warning',
        summary: 'A pod is crash looping.',
        description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in CrashLoopBackOff.',
      },
    );
  }
  if (node.length) groups.push({ name: 'promfleet.nodes', rules: node });
  return groups;
}

export interface StackRulesProps extends MonitoredComponentProps {
  /**
   * What runs next to Prometheus, for the built-in groups.
   * @default Alertmanager, node-exporter and kube-state-metrics, no sidecar
   */
  readonly scope?: StackRuleScope;
  /**
   * The rule groups, each expression checked as PromQL.
   * @default stackRuleGroups(scope)
   */
  readonly groups?: RuleGroup[];
}

/** The PrometheusRule with the stack's alerts, labelled so the stack's Prometheus loads it. */
export class StackRules extends Construct {
  constructor(scope: Construct, id: string, props: StackRulesProps = {}) {
    super(scope, id);
    const groups = props.groups ?? stackRuleGroups(props.scope);
    checkRuleGroups(groups);
    new PrometheusRule(this, 'rules', {
      metadata: meta(STACK_RULES_NAME, 'rules', { namespace: namespaceOf(props), labels: monitorSelectorOf(props) }),
      spec: {
        groups: groups.map((g) => ({
          name: g.name,
          rules: g.rules.map((r) => ({
            alert: r.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            ...(r.for ? { for: r.for } : {}),
            labels: { severity: r.severity },
            annotations: { summary: r.summary, description: r.description },
          })),
        })),
      },
    });
  }
}
