// What selects what, computed from rendered objects the way Kubernetes and the operator do:
// label selectors (matchLabels + matchExpressions) and namespace selectors.
import type { RenderedObject } from './fleet';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function matches(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
  return byLabels && byExpr;
}

/** Labels of a namespace: those of a rendered Namespace, or the one Kubernetes always sets. */
function namespaceLabels(objects: RenderedObject[], name: string): Record<string, string> {
  const ns = objects.find((o) => o.obj.kind === 'Namespace' && o.obj.metadata.name === name);
  return { ...(ns?.obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

/**
 * Does a Prometheus select a monitor/rule, per the operator: the object's labels match the
 * selector (a missing selector selects nothing) and its namespace matches the namespace selector
 * (missing: only the Prometheus' own namespace; `{}`: every namespace).
 */
export function prometheusSelects(
  objects: RenderedObject[],
  prometheus: RenderedObject,
  selectorField: string,
  namespaceSelectorField: string,
  target: RenderedObject,
): boolean {
  const spec = prometheus.obj.spec;
  const selector: LabelSelector | undefined = spec[selectorField];
  if (!selector) return false;
  if (!matches(selector, target.obj.metadata.labels)) return false;
  const nsSelector: LabelSelector | undefined = spec[namespaceSelectorField];
  const ns = target.obj.metadata.namespace;
  if (!nsSelector) return ns === prometheus.obj.metadata.namespace;
  return matches(nsSelector, namespaceLabels(objects, ns));
}

export const SELECTION: Record<string, [string, string]> = {
  ServiceMonitor: ['serviceMonitorSelector', 'serviceMonitorNamespaceSelector'],
  PodMonitor: ['podMonitorSelector', 'podMonitorNamespaceSelector'],
  PrometheusRule: ['ruleSelector', 'ruleNamespaceSelector'],
  Probe: ['probeSelector', 'probeNamespaceSelector'],
};

/** Monitors and rules of one cluster that none of its Prometheus objects selects. */
export function unselected(objects: RenderedObject[]): RenderedObject[] {
  const proms = objects.filter((o) => o.obj.kind === 'Prometheus');
  return objects.filter((o) => {
    const fields = SELECTION[o.obj.kind];
    return fields && !proms.some((p) => prometheusSelects(objects, p, fields[0], fields[1], o));
  });
}

/** Does a namespace selector of a ServiceMonitor/PodMonitor include `ns` (relative to the monitor's own namespace)? */
export function monitorNamespaceIncludes(monitor: RenderedObject, ns: string): boolean {
  const sel = monitor.obj.spec.namespaceSelector;
  if (!sel) return ns === monitor.obj.metadata.namespace;
  if (sel.any) return true;
  return (sel.matchNames ?? [monitor.obj.metadata.namespace]).includes(ns);
}
