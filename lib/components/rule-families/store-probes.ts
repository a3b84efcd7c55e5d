// Alerts about the sidecar path as the observer's blackbox exporter sees it (BlackboxExporter, StoreProbes): a store
// the Querier dials that does not answer its gRPC health check over the Querier's mTLS, and a certificate that the
// store presents running out. promfleet's own alerts: the Querier only reports a store it cannot reach as a partial
// response, and nothing else watches the certificates of the path from where they are used.
//
// A sidecar's alerts carry its workload cluster as `cluster` (from the target label SIDECAR_CLUSTER_LABEL), so that
// routes and silences per cluster reach the people of the cluster whose sidecar is at fault; the Store Gateway's and
// the extra stores' keep the observer's own (its Prometheus adds it).
import { SIDECAR_PROBE_JOB, SIDECAR_CLUSTER_LABEL } from '../blackbox-exporter';
import type { AlertSpec, RuleFamily } from './types';

const P = `job="${SIDECAR_PROBE_JOB}"`;
const asSidecarCluster = (expr: string) => `label_replace(${expr}, "cluster", "$1", "${SIDECAR_CLUSTER_LABEL}", "(.+)")`;
const store = 'the {{ $labels.store }} at {{ $labels.instance }}{{ with $labels.cluster }} (cluster {{ . }}){{ end }}';
/** Days until the earliest expiry among the certificates the store presented at the last successful probe. */
const daysLeft = `(probe_ssl_earliest_cert_expiry{${P}} - time()) / 86400`;

const expiring = (alert: string, threshold: number, severity: 'warning' | 'critical', summary: string, then: string): AlertSpec => ({
  alert,
  expr: asSidecarCluster(`${daysLeft} < $threshold`),
  threshold,
  for: '15m',
  severity,
  summary,
  description: `A certificate that ${store} presents expires in {{ printf "%.1f" $value }} days. ${then}`,
});

export const storeProbes: RuleFamily = {
  name: 'store-probes',
  needs: ['sidecar-probes'],
  groups: [
    {
      name: 'store-probes',
      rules: [
        {
          alert: 'StoreEndpointProbeFailed',
          // Every probe for five minutes (ten at the default interval): a lost packet or a rolled pod does not page.
          expr: asSidecarCluster(`probe_success{${P}} == 0`),
          for: '5m',
          // Critical: the Querier answers without this store's data and without an error, so dashboards and global
          // rules are silently blind to the cluster; nothing else on the cluster itself fires.
          severity: 'critical',
          summary: 'The observer cannot query a store over mTLS.',
          description:
            `The blackbox exporter of the observer has not had a healthy gRPC answer from ${store} for 5 minutes, dialling it ` +
            'as the Querier does: queries miss that store\'s data. See docs/operations.md, "Probing the sidecar path".',
        },
        expiring(
          'StoreEndpointCertificateExpiring',
          21,
          'warning',
          'A certificate on the sidecar path expires within three weeks.',
          'promfleet renews certificates 30 days before they expire (pki.renewBeforeDays) at the next synth: run it and deploy the renewed Secrets.',
        ),
        expiring(
          'StoreEndpointCertificateExpiringSoon',
          7,
          'critical',
          'A certificate on the sidecar path expires within a week.',
          'Once it has expired the Querier cannot reach the store: synth and deploy the renewed Secrets now, and restart the pods of the store if the probe still sees the old certificate.',
        ),
      ],
    },
  ],
};
