// The fleet's Grafana dashboards, built with the Grafana Foundation SDK and provisioned from ConfigMaps.

/** One dashboard as Grafana's file provisioning reads it. */
export interface FleetDashboard {
  /** Stable uid: links and bookmarks survive a re-render. */
  readonly uid: string;
  readonly title: string;
  /** The key of the dashboard in its ConfigMap, e.g. "fleet-overview.json". */
  readonly fileName: string;
  /** The dashboard model (JSON-serialisable), as the SDK's builder made it. */
  readonly model: object;
}

/** Every dashboard an observer's Grafana provisions, in a stable order. */
export function fleetDashboards(): readonly FleetDashboard[] {
  return [];
}
