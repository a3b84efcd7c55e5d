// The fleet at a glance, every cluster on one page: is its Prometheus up and scraping, what is firing there, how
// much it ingests, and whether the observer still reaches its sidecars (the Querier's connections and the blackbox
// probes of the sidecar endpoints, with the days left on their certificates). The one fleet-wide dashboard: its
// cluster variable takes several clusters, or all.
import { CLUSTER_LABEL } from '../../names';
import { PROMETHEUS_SERVICE } from '../prometheus';
import { QUERIER_NAME } from '../querier';
import { Board, SIDECAR_PROBE_CLUSTER_LABEL, SIDECAR_PROBE_JOB } from './common';
import type { FleetDashboard } from './index';

/** The clusters chosen, as a regular expression (one cluster, several, or all). */
const CHOSEN = `${CLUSTER_LABEL}=~"$cluster"`;
const PROM = `job="${PROMETHEUS_SERVICE}"`;
/**
 * The Querier's connections to sidecars, labelled with the cluster each sidecar serves. The Querier labels them
 * with the store's external labels as one string (`{cluster="eu", prometheus_replica="..."}`): the cluster is
 * read out of it, in place of the observer's own cluster label.
 */
const sidecarConnections = (): string => {
  const ofCluster = `.*[{ ]${CLUSTER_LABEL}="($cluster)".*`;
  return (
    `label_replace(thanos_store_nodes_grpc_connections{job="${QUERIER_NAME}", store_type="sidecar", external_labels=~\`${ofCluster}\`},` +
    ` "${CLUSTER_LABEL}", "$1", "external_labels", \`${ofCluster}\`)`
  );
};
/** A probe metric of the sidecar probes, labelled with the probed cluster in place of the observer's. */
const probed = (metric: string): string =>
  `label_replace(${metric}{job="${SIDECAR_PROBE_JOB}", ${SIDECAR_PROBE_CLUSTER_LABEL}=~"$cluster"}, "${CLUSTER_LABEL}", "$1", "${SIDECAR_PROBE_CLUSTER_LABEL}", "(.*)")`;
const firing = (severity: string) => `count by (${CLUSTER_LABEL}) (ALERTS{${CHOSEN}, alertstate="firing", severity="${severity}"})`;

export function fleetOverview(): FleetDashboard {
  return new Board({
    slug: 'fleet-overview',
    title: 'Fleet / Overview',
    description: 'Every cluster of the fleet: Prometheus, scrape targets, firing alerts, ingestion, and how the observer reaches its sidecars.',
    tags: ['fleet'],
    multiCluster: true,
  })
    .row('Fleet')
    .stat('Clusters reporting', `count(count by (${CLUSTER_LABEL}) (up{${CHOSEN}, ${PROM}} == 1))`, {
      description: 'Clusters whose Prometheus the Querier reads and which scrapes itself.',
    })
    .stat('Scrape targets down', `count(up{${CHOSEN}} == 0) or vector(0)`, {
      steps: [
        [null, 'green'],
        [1, 'orange'],
      ],
    })
    .stat('Critical alerts firing', `count(ALERTS{${CHOSEN}, alertstate="firing", severity="critical"}) or vector(0)`, {
      steps: [
        [null, 'green'],
        [1, 'red'],
      ],
    })
    .stat('Warnings firing', `count(ALERTS{${CHOSEN}, alertstate="firing", severity="warning"}) or vector(0)`, {
      steps: [
        [null, 'green'],
        [1, 'orange'],
      ],
    })
    .stat('Samples ingested', `sum(rate(prometheus_tsdb_head_samples_appended_total{${CHOSEN}, ${PROM}}[$__rate_interval]))`, {
      unit: 'short',
      description: 'Samples per second, all chosen clusters together.',
    })
    .stat('Sidecar connections', `sum(${sidecarConnections()})`, {
      description: 'Open gRPC connections of the Querier to the sidecars of the chosen clusters.',
    })
    .row('Clusters')
    .table(
      'Clusters',
      [CLUSTER_LABEL],
      [
        { title: 'Prometheus up', expr: `max by (${CLUSTER_LABEL}) (up{${CHOSEN}, ${PROM}})` },
        { title: 'Targets up', expr: `count by (${CLUSTER_LABEL}) (up{${CHOSEN}} == 1)` },
        { title: 'Targets down', expr: `count by (${CLUSTER_LABEL}) (up{${CHOSEN}} == 0)` },
        { title: 'Critical', expr: firing('critical') },
        { title: 'Warning', expr: firing('warning') },
        { title: 'Info', expr: firing('info') },
        {
          title: 'Samples/s',
          expr: `sum by (${CLUSTER_LABEL}) (rate(prometheus_tsdb_head_samples_appended_total{${CHOSEN}, ${PROM}}[$__rate_interval]))`,
          unit: 'short',
        },
        { title: 'Sidecar connections', expr: `sum by (${CLUSTER_LABEL}) (${sidecarConnections()})` },
        { title: 'Sidecar probes up', expr: `min by (${CLUSTER_LABEL}) (${probed('probe_success')})`, unit: 'bool_yes_no' },
        { title: 'Certificate expires in', expr: `min by (${CLUSTER_LABEL}) (${probed('probe_ssl_earliest_cert_expiry')}) - time()`, unit: 'dtdurations' },
      ],
      {
        width: 24,
        height: 12,
        description: 'One row per cluster. A cluster whose sidecars the Querier cannot reach has no Prometheus figures at all: read its sidecar columns.',
      },
    )
    .row('Over time')
    .timeseries(
      'Samples ingested by cluster',
      [
        {
          expr: `sum by (${CLUSTER_LABEL}) (rate(prometheus_tsdb_head_samples_appended_total{${CHOSEN}, ${PROM}}[$__rate_interval]))`,
          legend: `{{${CLUSTER_LABEL}}}`,
        },
      ],
      {
        unit: 'short',
        description: "Samples per second appended to the head of each cluster's Prometheus (its replicas deduplicated by the Querier).",
      },
    )
    .timeseries(
      'Firing alerts by severity',
      [{ expr: `count by (severity) (ALERTS{${CHOSEN}, alertstate="firing", severity=~"critical|warning|info"})`, legend: '{{severity}}' }],
      {
        stack: true,
        description: 'The always-firing Watchdog and InfoInhibitor (severity none) are left out.',
      },
    )
    .timeseries('Scrape targets down by cluster', [{ expr: `count by (${CLUSTER_LABEL}) (up{${CHOSEN}} == 0)`, legend: `{{${CLUSTER_LABEL}}}` }])
    .timeseries('Querier connections to sidecars', [{ expr: `sum by (${CLUSTER_LABEL}) (${sidecarConnections()})`, legend: `{{${CLUSTER_LABEL}}}` }], {
      description: 'One connection per Prometheus replica: fewer than the replicas means the observer misses a sidecar.',
    })
    .timeseries('Sidecar probes', [{ expr: `min by (${CLUSTER_LABEL}, instance) (${probed('probe_success')})`, legend: `{{${CLUSTER_LABEL}}} {{instance}}` }], {
      min: 0,
      max: 1,
      description: 'Blackbox probes of each sidecar endpoint from the observer: 1 when the TLS handshake succeeds.',
    })
    .timeseries(
      'Sidecar certificates expire in',
      [{ expr: `min by (${CLUSTER_LABEL}, instance) (${probed('probe_ssl_earliest_cert_expiry')}) - time()`, legend: `{{${CLUSTER_LABEL}}} {{instance}}` }],
      {
        unit: 's',
        description: 'Time left on the earliest-expiring certificate each sidecar endpoint presents; renew with promfleet pki before it runs out.',
      },
    )
    .build();
}
