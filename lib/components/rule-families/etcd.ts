// Alerts about etcd, the Kubernetes API server's store: members lost or out of quorum, elections,
// failing or slow requests, slow disks, and a database near its quota. Names, severities, `for` and
// thresholds are those of the etcd mixin (etcd-io/etcd contrib/mixin) as kube-prometheus-stack renders
// it; runbooks where runbooks.prometheus-operator.dev has a page. Rendered only where etcd is scraped
// (platform kubeadm with controlPlane.etcd): one etcd cluster per Kubernetes cluster, so `cluster` and
// `job` name it, and `instance` and `pod` a member.
import { JOB, type AlertSpec, type RuleFamily } from './types';

const E = `job="${JOB.etcd}"`;
/** What tells one member of the etcd cluster from another. */
const MEMBER = 'instance, pod';
/** gRPC codes that mean the request failed on etcd's side, not the client's (NotFound, Canceled... are the client's). */
const SERVER_FAILURES = 'Unknown|FailedPrecondition|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded';
const member = 'etcd member {{ $labels.instance }}';
/** The 99th percentile of a histogram of each member, over 5 minutes. */
const p99 = (metric: string, matchers = '') => `histogram_quantile(0.99, rate(${metric}_bucket{${E}${matchers}}[5m]))`;

const failedGrpc = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'etcdHighNumberOfFailedGRPCRequests',
  expr:
    `100 * sum without (grpc_type, grpc_code) (rate(grpc_server_handled_total{${E}, grpc_code=~"${SERVER_FAILURES}"}[5m]))` +
    ` / sum without (grpc_type, grpc_code) (rate(grpc_server_handled_total{${E}}[5m])) > ${severity === 'critical' ? 5 : 1}`,
  for: severity === 'critical' ? '5m' : '10m',
  severity,
  summary: 'etcd fails many gRPC requests.',
  description: `${member} fails {{ printf "%.1f" $value }}% of its {{ $labels.grpc_method }} requests.`,
  runbook: 'etcd/etcdhighnumberoffailedgrpcrequests',
});

const slowFsync = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'etcdHighFsyncDurations',
  expr: `${p99('etcd_disk_wal_fsync_duration_seconds')} > ${severity === 'critical' ? 1 : 0.5}`,
  for: '10m',
  severity,
  summary: "etcd's disk is slow to sync its write-ahead log.",
  description: `The 99th percentile of the write-ahead log syncs of ${member} takes {{ $value | humanizeDuration }}: every write waits for it.`,
  runbook: 'etcd/etcdhighfsyncdurations',
});

export const etcd: RuleFamily = {
  name: 'etcd',
  needs: ['etcd'],
  groups: [
    {
      name: 'etcd',
      rules: [
        {
          alert: 'etcdMembersDown',
          // Members whose scrape fails; else, members the others fail to send to (by peer ID, `To`).
          expr:
            `max without (endpoint) (count without (${MEMBER}) (up{${E}} == 0)` +
            ` or count without (To) (sum without (${MEMBER}) (rate(etcd_network_peer_sent_failures_total{${E}}[2m])) > 0.01)) > 0`,
          for: '10m',
          severity: 'critical',
          summary: 'etcd members are down.',
          description: 'Members of the etcd cluster down, or unreachable from their peers: {{ $value }}.',
          runbook: 'etcd/etcdmembersdown',
        },
        {
          alert: 'etcdInsufficientMembers',
          // A quorum is a strict majority: more than half of the members must be up.
          expr: `sum without (${MEMBER}) (up{${E}}) < floor(count without (${MEMBER}) (up{${E}}) / 2) + 1`,
          for: '3m',
          severity: 'critical',
          summary: 'etcd has lost its quorum.',
          description: 'Members of the etcd cluster up: {{ $value }}, fewer than a quorum; the cluster accepts no writes.',
          runbook: 'etcd/etcdinsufficientmembers',
        },
        {
          alert: 'etcdNoLeader',
          expr: `etcd_server_has_leader{${E}} == 0`,
          for: '1m',
          severity: 'critical',
          summary: 'An etcd member has no leader.',
          description: `${member} has no leader: it serves no writes and no consistent reads.`,
          runbook: 'etcd/etcdnoleader',
        },
        {
          alert: 'etcdHighNumberOfLeaderChanges',
          // Every member counts every election; the member that saw the most speaks for the cluster.
          expr: `max without (${MEMBER}) (increase(etcd_server_leader_changes_seen_total{${E}}[15m])) >= $threshold`,
          threshold: 4,
          for: '5m',
          severity: 'warning',
          summary: 'etcd elects leaders often.',
          description:
            'The etcd cluster changed leaders {{ printf "%.0f" $value }} times in 15 minutes: look for members short of CPU or disk, a slow network, or restarts.',
        },
        failedGrpc('warning'),
        failedGrpc('critical'),
        {
          alert: 'etcdGRPCRequestsSlow',
          // Defragment blocks by design; streams (watches) last as long as the client wants.
          expr:
            `histogram_quantile(0.99, sum without (grpc_type) (rate(grpc_server_handling_seconds_bucket{${E}, grpc_method!="Defragment", grpc_type="unary"}[5m])))` +
            ` > $threshold`,
          threshold: 0.15,
          for: '10m',
          severity: 'critical',
          summary: 'etcd is slow to answer gRPC requests.',
          description: `The 99th percentile of the {{ $labels.grpc_method }} requests of ${member} takes {{ $value | humanizeDuration }}.`,
          runbook: 'etcd/etcdgrpcrequestsslow',
        },
        {
          alert: 'etcdMemberCommunicationSlow',
          expr: `${p99('etcd_network_peer_round_trip_time_seconds')} > $threshold`,
          threshold: 0.15,
          for: '10m',
          severity: 'warning',
          summary: 'etcd members are slow to reach each other.',
          description: `The 99th percentile round trip from ${member} to peer {{ $labels.To }} takes {{ $value | humanizeDuration }}.`,
        },
        {
          alert: 'etcdHighNumberOfFailedProposals',
          expr: `rate(etcd_server_proposals_failed_total{${E}}[15m]) > $threshold`,
          threshold: 5,
          for: '15m',
          severity: 'warning',
          summary: 'etcd fails many proposals.',
          description: `${member} fails {{ printf "%.1f" $value }} raft proposals a second, over the last 15 minutes: elections, or a member out of touch with the leader.`,
        },
        slowFsync('warning'),
        slowFsync('critical'),
        {
          alert: 'etcdHighCommitDurations',
          expr: `${p99('etcd_disk_backend_commit_duration_seconds')} > $threshold`,
          threshold: 0.25,
          for: '10m',
          severity: 'warning',
          summary: "etcd's disk is slow to commit to the database.",
          description: `The 99th percentile of the database commits of ${member} takes {{ $value | humanizeDuration }}.`,
          runbook: 'etcd/etcdhighcommitdurations',
        },
        {
          alert: 'etcdDatabaseQuotaLowSpace',
          expr: `100 * last_over_time(etcd_mvcc_db_total_size_in_bytes{${E}}[5m]) / last_over_time(etcd_server_quota_backend_bytes{${E}}[5m]) > $threshold`,
          threshold: 95,
          for: '10m',
          severity: 'critical',
          summary: "etcd's database is nearly full.",
          description: `The database of ${member} uses {{ printf "%.1f" $value }}% of its quota; when it is full, etcd refuses writes. Compact and defragment it, or raise --quota-backend-bytes.`,
          // The runbook site's page for this alert keeps the mixin's former name.
          runbook: 'etcd/etcdbackendquotalowspace',
        },
        {
          alert: 'etcdExcessiveDatabaseGrowth',
          expr: `predict_linear(etcd_mvcc_db_total_size_in_bytes{${E}}[4h], 4 * 60 * 60) > etcd_server_quota_backend_bytes{${E}}`,
          for: '10m',
          severity: 'warning',
          summary: "etcd's database grows fast.",
          description: `At the rate of the last 4 hours, the database of ${member} will reach its quota within 4 hours, and etcd will refuse writes.`,
        },
        {
          alert: 'etcdDatabaseHighFragmentationRatio',
          // Below 100MiB in use, defragmenting is not worth the pause it causes.
          expr:
            `last_over_time(etcd_mvcc_db_total_size_in_use_in_bytes{${E}}[5m]) / last_over_time(etcd_mvcc_db_total_size_in_bytes{${E}}[5m]) < $threshold` +
            ` and etcd_mvcc_db_total_size_in_use_in_bytes{${E}} > 104857600`,
          threshold: 0.5,
          for: '10m',
          severity: 'warning',
          summary: "Most of etcd's database file is free space.",
          description: `${member} uses only {{ $value | humanizePercentage }} of its database file; defragment it (etcdctl defrag) to give the space back.`,
        },
      ],
    },
  ],
};
