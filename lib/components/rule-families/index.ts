// The rule catalogue: every family, which of them a cluster gets, and how a family renders into the
// groups of a PrometheusRule with the fleet file's overrides (disabled groups and alerts, `for`,
// severity, extra labels, thresholds) applied.
import { closest } from '../../fleet/load';
import { alertmanager } from './alertmanager';
import { coredns } from './coredns';
import { etcd } from './etcd';
import { general } from './general';
import { kubeApiserver } from './kube-apiserver';
import { kubeControllerManager } from './kube-controller-manager';
import { kubeProxy } from './kube-proxy';
import { kubeScheduler } from './kube-scheduler';
import { kubeStateMetrics } from './kube-state-metrics';
import { kubernetesApps } from './kubernetes-apps';
import { kubernetesNodes } from './kubernetes-nodes';
import { kubernetesResources } from './kubernetes-resources';
import { kubernetesStorage } from './kubernetes-storage';
import { kubernetesSystem } from './kubernetes-system';
import { nodeExporter } from './node-exporter';
import { prometheus } from './prometheus';
import { prometheusOperator } from './prometheus-operator';
import { thanosCompact } from './thanos-compact';
import { thanosQuery } from './thanos-query';
import { thanosSidecar } from './thanos-sidecar';
import { thanosStore } from './thanos-store';
import { storeProbes } from './store-probes';
import { isAlert, type AlertSpec, type RuleFamily, type RuleNeed, type Severity } from './types';

export * from './types';

/** Every family of the catalogue. */
export const RULE_FAMILIES: readonly RuleFamily[] = [
  general,
  prometheus,
  alertmanager,
  prometheusOperator,
  nodeExporter,
  kubernetesNodes,
  kubeStateMetrics,
  kubernetesApps,
  kubernetesResources,
  kubernetesStorage,
  kubernetesSystem,
  kubeApiserver,
  kubeScheduler,
  kubeControllerManager,
  kubeProxy,
  etcd,
  coredns,
  thanosSidecar,
  thanosQuery,
  thanosStore,
  storeProbes,
  thanosCompact,
];

/** The families whose needs are all met, in catalogue order. */
export function familiesFor(needsMet: ReadonlySet<RuleNeed>, families: readonly RuleFamily[] = RULE_FAMILIES): RuleFamily[] {
  return families.filter((f) => f.needs.every((n) => needsMet.has(n)));
}

/** What the fleet file changes about one alert. */
export interface AlertOverride {
  /** @default the catalogue's */
  readonly for?: string;
  /** @default the catalogue's */
  readonly severity?: Severity;
  /**
   * Added to the alert's labels (severity excepted: set `severity`).
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Replaces the alert's `$threshold`; only for alerts that have one.
   * @default the catalogue's
   */
  readonly threshold?: number;
}

/** The fleet file's `rules` settings besides `enabled`. */
export interface RuleOverrides {
  /** @default nothing disabled */
  readonly disabled?: { readonly groups?: readonly string[]; readonly alerts?: readonly string[] };
  /** @default none */
  readonly alerts?: Readonly<Record<string, AlertOverride>>;
}

export const RUNBOOK_BASE_URL = 'https://runbooks.prometheus-operator.dev/runbooks/';

/** A rule as a PrometheusRule carries it. */
export type RenderedRule =
  | { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
  | { record: string; expr: string; labels?: Record<string, string> };

export interface RenderedGroup {
  name: string;
  interval?: string;
  rules: RenderedRule[];
}

/** The expression of an alert with its threshold filled in. */
export function alertExpr(a: AlertSpec, threshold: number | undefined = a.threshold): string {
  return a.threshold === undefined ? a.expr : a.expr.split('$threshold').join(String(threshold));
}

/** A family's groups as a PrometheusRule carries them; disabled alerts and groups left out, and groups left empty. */
export function renderFamily(family: RuleFamily, overrides: RuleOverrides = {}): RenderedGroup[] {
  const offGroups = new Set(overrides.disabled?.groups ?? []);
  const offAlerts = new Set(overrides.disabled?.alerts ?? []);
  const out: RenderedGroup[] = [];
  for (const g of family.groups) {
    if (offGroups.has(g.name)) continue;
    const rules: RenderedRule[] = [];
    for (const r of g.rules) {
      if (!isAlert(r)) {
        rules.push({ record: r.record, expr: r.expr, ...(r.labels ? { labels: { ...r.labels } } : {}) });
        continue;
      }
      if (offAlerts.has(r.alert)) continue;
      const o = overrides.alerts?.[r.alert] ?? {};
      const forDuration = o.for ?? r.for;
      rules.push({
        alert: r.alert,
        expr: alertExpr(r, o.threshold ?? r.threshold),
        ...(forDuration ? { for: forDuration } : {}),
        labels: { ...r.labels, ...o.labels, severity: o.severity ?? r.severity },
        annotations: {
          summary: r.summary,
          description: r.description,
          ...(r.runbook ? { runbook_url: `${RUNBOOK_BASE_URL}${r.runbook}` } : {}),
        },
      });
    }
    if (rules.length) out.push({ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules });
  }
  return out;
}

/**
 * What is wrong with `overrides` against the catalogue: names of groups and alerts it does not have
 * (with the nearest name), thresholds of alerts without one. Paths are relative to the `rules` field.
 */
export function ruleOverrideProblems(overrides: RuleOverrides, families: readonly RuleFamily[] = RULE_FAMILIES): { path: string; message: string }[] {
  const groups = families.flatMap((f) => f.groups.map((g) => g.name));
  const alerts = new Map(families.flatMap((f) => f.groups.flatMap((g) => g.rules.filter(isAlert).map((a) => [a.alert, a] as const))));
  const unknown = (kind: string, name: string, known: string[]) => {
    const hint = closest(name, known);
    return `${JSON.stringify(name)} is not ${kind} of the rule catalogue${hint ? `; did you mean "${hint}"?` : '; see docs/alerts.md for the names'}`;
  };
  const problems: { path: string; message: string }[] = [];
  overrides.disabled?.groups?.forEach((g, i) => {
    if (!groups.includes(g)) problems.push({ path: `disabled.groups[${i}]`, message: unknown('a group', g, groups) });
  });
  overrides.disabled?.alerts?.forEach((a, i) => {
    if (!alerts.has(a)) problems.push({ path: `disabled.alerts[${i}]`, message: unknown('an alert', a, [...alerts.keys()]) });
  });
  for (const [name, o] of Object.entries(overrides.alerts ?? {})) {
    const spec = alerts.get(name);
    if (o.labels && 'severity' in o.labels)
      problems.push({
        path: `alerts.${name}.labels.severity`,
        message: `set alerts.${name}.severity instead: it is the label routes and inhibitions match on`,
      });
    if (!spec) problems.push({ path: `alerts.${name}`, message: unknown('an alert', name, [...alerts.keys()]) });
    else if (o.threshold !== undefined && spec.threshold === undefined)
      problems.push({ path: `alerts.${name}.threshold`, message: `${name} has no tunable threshold; remove it, or disable the alert and write your own rule` });
  }
  return problems;
}
