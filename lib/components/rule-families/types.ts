// The rule catalogue's shape: one module per rule family (lib/components/rule-families/<family>.ts),
// each a typed list of groups of alerting and recording rules, and the components it needs on the
// cluster. Each family has its promtool unit tests in test/rules/<family>.test.yaml, written from what
// each alert is for; test/rule-families.test.ts fails for a rule without a test.

export type Severity = 'critical' | 'warning' | 'info' | 'none';

/** An alerting rule. Same name, severity and runbook as upstream where upstream has the alert. */
export interface AlertSpec {
  readonly alert: string;
  /** PromQL (checked with the PromQL parser at synth). Aggregations keep `cluster`. */
  readonly expr: string;
  /**
   * How long the expression must hold before the alert fires.
   * @default at once
   */
  readonly for?: string;
  readonly severity: Severity;
  readonly summary: string;
  /** May use Go templates ({{ $labels.x }}, {{ $value }}). */
  readonly description: string;
  /**
   * The runbook's path under https://runbooks.prometheus-operator.dev/runbooks/ (for example
   * "kubernetes/kubepodcrashlooping"), where upstream has one.
   * @default none
   */
  readonly runbook?: string;
  /**
   * Labels besides severity.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The number users commonly tune: `expr` holds it as the placeholder `$threshold`, which the fleet
   * file's `rules.alerts.<alert>.threshold` replaces.
   * @default the alert has no tunable threshold
   */
  readonly threshold?: number;
}

/** A recording rule: the series `record` is what the expression gives. */
export interface RecordSpec {
  readonly record: string;
  readonly expr: string;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

export type RuleSpec = AlertSpec | RecordSpec;

export interface FamilyGroup {
  /** Unique across the catalogue (the upstream group name where there is one, for example "kubernetes-apps"). */
  readonly name: string;
  /** @default Prometheus' evaluation interval */
  readonly interval?: string;
  readonly rules: readonly RuleSpec[];
}

/**
 * What must run (and be scraped) on a cluster for a family's rules to mean anything: a family is
 * rendered only where all of its needs are met, so no alert fires for ever about what is not there.
 */
export type RuleNeed =
  | 'prometheus'
  | 'alertmanager'
  | 'operator'
  | 'node-exporter'
  | 'kube-state-metrics'
  | 'kubelet'
  | 'apiserver'
  | 'coredns'
  | 'kube-scheduler'
  | 'kube-controller-manager'
  | 'kube-proxy'
  | 'etcd'
  | 'thanos-sidecar'
  | 'thanos-query'
  | 'thanos-store'
  | 'thanos-compact'
  | 'sidecar-probes';

export interface RuleFamily {
  /** The module's name, and that of its test file: test/rules/<name>.test.yaml. */
  readonly name: string;
  readonly needs: readonly RuleNeed[];
  readonly groups: readonly FamilyGroup[];
}

export const isAlert = (r: RuleSpec): r is AlertSpec => 'alert' in r;

/**
 * The `job` label of each scraped component, as its ServiceMonitor or PodMonitor sets it; rules
 * select on these. Upstream names, so that upstream dashboards and runbooks apply.
 */
export const JOB = {
  apiserver: 'apiserver',
  kubelet: 'kubelet',
  coredns: 'coredns',
  scheduler: 'kube-scheduler',
  controllerManager: 'kube-controller-manager',
  kubeProxy: 'kube-proxy',
  etcd: 'kube-etcd',
} as const;
