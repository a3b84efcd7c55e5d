// What selects what, computed from rendered objects the way Kubernetes and the operator do:
// label selectors (matchLabels + matchExpressions) and namespace selectors.
import { ofKind, type RenderedObject } from './fleet';
import type { ManifestOf } from './manifests';

type Prometheus = ManifestOf<'Prometheus'>;
type Monitor = ManifestOf<'ServiceMonitor' | 'PodMonitor'>;

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  /** Operators: In, NotIn, Exists, DoesNotExist (any other matches nothing, as the API server would refuse it). */
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
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
      default:
        return false;
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
  prometheus: RenderedObject<Prometheus>,
  [selectorField, namespaceSelectorField]: Selection,
  target: RenderedObject,
): boolean {
  const spec: Partial<Prometheus['spec']> = prometheus.obj.spec;
  const selector: LabelSelector | undefined = spec[selectorField];
  if (!selector) return false;
  if (!matches(selector, target.obj.metadata.labels)) return false;
  const nsSelector: LabelSelector | undefined = spec[namespaceSelectorField];
  const ns = target.obj.metadata.namespace;
  if (!nsSelector) return ns === prometheus.obj.metadata.namespace;
  return matches(nsSelector, namespaceLabels(objects, ns));
}

/** The fields of a Prometheus that select one kind: the object selector and the namespace selector. */
export type Selection = readonly [
  'serviceMonitorSelector' | 'podMonitorSelector' | 'ruleSelector' | 'probeSelector',
  'serviceMonitorNamespaceSelector' | 'podMonitorNamespaceSelector' | 'ruleNamespaceSelector' | 'probeNamespaceSelector',
];

export const SELECTION = {
  ServiceMonitor: ['serviceMonitorSelector', 'serviceMonitorNamespaceSelector'],
  PodMonitor: ['podMonitorSelector', 'podMonitorNamespaceSelector'],
  PrometheusRule: ['ruleSelector', 'ruleNamespaceSelector'],
  Probe: ['probeSelector', 'probeNamespaceSelector'],
} as const satisfies Record<string, Selection>;

function selectionOf(kind: string): Selection | undefined {
  return kind in SELECTION ? SELECTION[kind as keyof typeof SELECTION] : undefined;
}

/** Monitors and rules of one cluster that none of its Prometheus objects selects. */
export function unselected(objects: RenderedObject[]): RenderedObject[] {
  const proms = ofKind(objects, 'Prometheus');
  return objects.filter((o) => {
    const fields = selectionOf(o.obj.kind);
    return fields && !proms.some((p) => prometheusSelects(objects, p, fields, o));
  });
}

/** Does a namespace selector of a ServiceMonitor/PodMonitor include `ns` (relative to the monitor's own namespace)? */
export function monitorNamespaceIncludes(monitor: RenderedObject<Monitor>, ns: string): boolean {
  const sel: Partial<Monitor['spec']['namespaceSelector']> | undefined = monitor.obj.spec.namespaceSelector;
  if (!sel) return ns === monitor.obj.metadata.namespace;
  if (sel.any) return true;
  return (sel.matchNames ?? [monitor.obj.metadata.namespace]).includes(ns);
}
