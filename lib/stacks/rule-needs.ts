// Which rule families a workload cluster gets: the rule needs its stack meets. The one place that
// says what a cluster runs and scrapes, in the catalogue's terms.
import { controlPlaneTargets } from '../components/control-plane';
import type { RuleNeed } from '../components/rule-families';
import type { ControlPlaneTarget, Platform } from '../fleet/platforms';
import { enabled, type Toggle } from './part';

/** The parts of a workload stack's props that decide which rule needs it meets. */
export interface RuleNeedsSource {
  readonly operator?: Toggle;
  readonly alertmanager?: Toggle;
  readonly nodeExporter?: Toggle;
  readonly kubeStateMetrics?: Toggle;
  readonly kubelet?: Toggle;
  readonly thanosSidecar?: object;
  readonly platform?: Platform;
  readonly etcd?: object;
  readonly controlPlaneExclude?: readonly ControlPlaneTarget[];
  /**
   * Needs met beside the stack, in its namespace, by what its Prometheus scrapes or drives there (an observer's
   * store probes: see observerRuleNeeds).
   * @default none
   */
  readonly needsMetBeside?: readonly RuleNeed[];
}

/**
 * The rule needs a workload stack meets. Its own Prometheus always runs; the operator's metrics only
 * when the stack runs the operator (another operator is not scraped). The control plane (API server,
 * CoreDNS, scheduler, controller-manager, kube-proxy, etcd): what the platform exposes and the stack
 * scrapes (see ControlPlaneMonitors).
 */
export function rulesNeedsMet(stack: RuleNeedsSource): Set<RuleNeed> {
  const needs = new Set<RuleNeed>(['prometheus']);
  if (enabled(stack.operator)) needs.add('operator');
  if (enabled(stack.alertmanager)) needs.add('alertmanager');
  if (enabled(stack.nodeExporter)) needs.add('node-exporter');
  if (enabled(stack.kubeStateMetrics)) needs.add('kube-state-metrics');
  if (enabled(stack.kubelet)) needs.add('kubelet');
  if (stack.thanosSidecar) needs.add('thanos-sidecar');
  for (const target of controlPlaneTargets({ platform: stack.platform, etcd: stack.etcd, exclude: stack.controlPlaneExclude })) needs.add(target);
  for (const need of stack.needsMetBeside ?? []) needs.add(need);
  return needs;
}

/** The parts of an observer stack's props that decide which rule needs it meets for a Prometheus beside it. */
export interface ObserverRuleNeedsSource {
  readonly probes?: Toggle;
  readonly storeGateway?: boolean;
  readonly compactor?: boolean;
}

/**
 * The rule needs an observer meets for the Prometheus of its namespace, which scrapes its Thanos servers and drives
 * its store probes: the Querier always, the Store Gateway and the compactor where they run, the probes when they are on.
 */
export function observerRuleNeeds(observer: ObserverRuleNeedsSource): RuleNeed[] {
  return [
    'thanos-query',
    ...(observer.storeGateway ? (['thanos-store'] as const) : []),
    ...(observer.compactor ? (['thanos-compact'] as const) : []),
    ...(enabled(observer.probes) ? (['sidecar-probes'] as const) : []),
  ];
}
