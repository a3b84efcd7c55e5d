// The dashboards of an observer's Grafana: one ConfigMap per dashboard (a ConfigMap holds at most 1 MiB,
// and one dashboard changing leaves the others' files alone), and the file provider that loads them into
// a "promfleet" folder that users can read but not change or delete: the fleet file's repository is
// where a dashboard changes, so every observer shows the same ones.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { meta } from '../meta';
import { namespaceOf, type NamespacedProps } from './base';
import type { FleetDashboard } from './dashboards';

export const GRAFANA_DASHBOARD_PROVIDER_CONFIGMAP = 'grafana-dashboard-provider';
export const GRAFANA_DASHBOARD_PROVIDER_KEY = 'promfleet.yaml';
/** Where the dashboard files are mounted, and where the provider reads them. */
export const GRAFANA_DASHBOARDS_MOUNT = '/var/lib/grafana-dashboards/promfleet';
/** The folder (and its uid) the dashboards appear in. */
export const GRAFANA_DASHBOARDS_FOLDER = 'promfleet';
/** The API server's limit on a ConfigMap's data. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** How often Grafana looks for changed files: the kubelet delivers a changed ConfigMap within about a minute. */
const UPDATE_INTERVAL_SECONDS = 60;

const APP = 'grafana';
const COMPONENT = 'dashboards';

/** JSON with every object's keys sorted, so that the same dashboard gives the same bytes whatever built it. */
export function dashboardJson(model: object): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sorted(model), null, 2)}\n`;
}

/** The ConfigMap of one dashboard: `grafana-dashboard-<file name without .json>`. */
export function dashboardConfigMapName(d: FleetDashboard): string {
  const base = d.fileName
    .replace(/\.json$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `grafana-dashboard-${base}`.slice(0, 63).replace(/-+$/, '');
}

/** The file provider's configuration (provisioning/dashboards/promfleet.yaml). */
export function dashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: GRAFANA_DASHBOARDS_FOLDER,
        orgId: 1,
        folder: GRAFANA_DASHBOARDS_FOLDER,
        folderUid: GRAFANA_DASHBOARDS_FOLDER,
        type: 'file',
        // Read-only in the UI: a change made there would be lost at the next start, and differ between observers.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: UPDATE_INTERVAL_SECONDS,
        options: { path: GRAFANA_DASHBOARDS_MOUNT, foldersFromFilesStructure: false },
      },
    ],
  });
}

export interface GrafanaDashboardsProps extends NamespacedProps {
  /** The dashboards, each in a ConfigMap of its own (see dashboardConfigMapName). */
  readonly dashboards: readonly FleetDashboard[];
}

/** The dashboard provider ConfigMap, and one ConfigMap per dashboard; Grafana mounts them (see Grafana's `dashboards`). */
export class GrafanaDashboards extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaDashboardsProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    new k8s.KubeConfigMap(this, 'provider', {
      metadata: meta(GRAFANA_DASHBOARD_PROVIDER_CONFIGMAP, COMPONENT, { namespace, app: APP }),
      data: { [GRAFANA_DASHBOARD_PROVIDER_KEY]: dashboardProvider() },
    });
    const names = new Map<string, string>();
    const uids = new Map<string, string>();
    for (const d of props.dashboards) {
      const name = dashboardConfigMapName(d);
      const clash = names.get(name) ?? uids.get(d.uid);
      if (clash)
        throw new Error(`dashboards ${clash} and ${d.fileName} share the ConfigMap name ${name} or the uid ${d.uid}; give each its own file name and uid`);
      names.set(name, d.fileName);
      uids.set(d.uid, d.fileName);
      const json = dashboardJson(d.model);
      const bytes = Buffer.byteLength(json, 'utf8');
      if (bytes > CONFIGMAP_MAX_BYTES) {
        throw new Error(
          `dashboard ${d.fileName} is ${bytes} bytes as JSON, more than the ${CONFIGMAP_MAX_BYTES} a ConfigMap holds; split it into smaller dashboards`,
        );
      }
      new k8s.KubeConfigMap(this, name, { metadata: meta(name, COMPONENT, { namespace, app: APP }), data: { [d.fileName]: json } });
    }
  }
}
