// Alerts about the Prometheus Operator, which turns the stack's custom resources into running
// Prometheus and Alertmanager configurations, and about the config reloaders it injects next to
// them. Names, severities and runbooks are those of the Prometheus Operator mixin.
import { OPERATOR_NAME } from '../operator';
import type { RuleFamily } from './types';

const O = `job="${OPERATOR_NAME}"`;
const m = (metric: string, extra = '') => `${metric}{${O}${extra ? `, ${extra}` : ''}}`;
const BY = 'sum by (cluster, controller, namespace)';
/** The share of an operation's calls that fail, per controller. */
const failing = (failed: string, total: string, window: string) => `${BY} (rate(${m(failed)}[${window}])) / ${BY} (rate(${m(total)}[${window}]))`;
const where = 'controller {{ $labels.controller }} of the operator in namespace {{ $labels.namespace }}';

export const prometheusOperator: RuleFamily = {
  name: 'prometheus-operator',
  needs: ['operator'],
  groups: [
    {
      name: 'prometheus-operator',
      rules: [
        {
          alert: 'PrometheusOperatorListErrors',
          expr: `${failing('prometheus_operator_list_operations_failed_total', 'prometheus_operator_list_operations_total', '10m')} > $threshold`,
          threshold: 0.4,
          for: '15m',
          severity: 'warning',
          summary: 'The operator fails to list objects.',
          description: `${where} fails {{ $value | humanizePercentage }} of its list calls to the API server.`,
          runbook: 'prometheus-operator/prometheusoperatorlisterrors',
        },
        {
          alert: 'PrometheusOperatorWatchErrors',
          expr: `${failing('prometheus_operator_watch_operations_failed_total', 'prometheus_operator_watch_operations_total', '5m')} > $threshold`,
          threshold: 0.4,
          for: '15m',
          severity: 'warning',
          summary: 'The operator fails to watch objects.',
          description: `${where} fails {{ $value | humanizePercentage }} of its watch calls to the API server.`,
          runbook: 'prometheus-operator/prometheusoperatorwatcherrors',
        },
        {
          alert: 'PrometheusOperatorSyncFailed',
          expr: `min_over_time(${m('prometheus_operator_syncs', 'status="failed"')}[5m]) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'The operator fails to sync objects.',
          description: `${where} has failed to sync {{ printf "%.0f" $value }} objects for 10 minutes.`,
          runbook: 'prometheus-operator/prometheusoperatorsyncfailed',
        },
        {
          alert: 'PrometheusOperatorReconcileErrors',
          expr: `${failing('prometheus_operator_reconcile_errors_total', 'prometheus_operator_reconcile_operations_total', '5m')} > $threshold`,
          threshold: 0.1,
          for: '10m',
          severity: 'warning',
          summary: 'The operator fails to reconcile objects.',
          description: `${where} fails {{ $value | humanizePercentage }} of its reconciliations.`,
          runbook: 'prometheus-operator/prometheusoperatorreconcileerrors',
        },
        {
          alert: 'PrometheusOperatorStatusUpdateErrors',
          expr: `${failing('prometheus_operator_status_update_errors_total', 'prometheus_operator_status_update_operations_total', '5m')} > $threshold`,
          threshold: 0.1,
          for: '10m',
          severity: 'warning',
          summary: 'The operator fails to update the status of objects.',
          description: `${where} fails {{ $value | humanizePercentage }} of its status updates: kubectl shows stale conditions.`,
          runbook: 'prometheus-operator/prometheusoperatorstatusupdateerrors',
        },
        {
          alert: 'PrometheusOperatorNodeLookupErrors',
          expr: `rate(${m('prometheus_operator_node_address_lookup_errors_total')}[5m]) > 0.1`,
          for: '10m',
          severity: 'warning',
          summary: 'The operator fails to look up node addresses.',
          description: 'The operator in namespace {{ $labels.namespace }} fails to find node addresses for the kubelet Service: kubelets may go unscraped.',
          runbook: 'prometheus-operator/prometheusoperatornodelookuperrors',
        },
        {
          alert: 'PrometheusOperatorNotReady',
          expr: `min by (cluster, controller, namespace) (max_over_time(${m('prometheus_operator_ready')}[5m]) == 0)`,
          for: '5m',
          severity: 'warning',
          summary: 'The operator is not ready.',
          description: `${where} is not ready: changes to its objects are not applied.`,
          runbook: 'prometheus-operator/prometheusoperatornotready',
        },
        {
          alert: 'PrometheusOperatorRejectedResources',
          expr: `min_over_time(${m('prometheus_operator_managed_resources', 'state="rejected"')}[5m]) > 0`,
          for: '5m',
          severity: 'warning',
          summary: 'The operator rejects resources.',
          description:
            'The operator in namespace {{ $labels.namespace }} rejects {{ printf "%.0f" $value }} {{ $labels.controller }}/{{ $labels.resource }} resources: see its logs for why.',
          runbook: 'prometheus-operator/prometheusoperatorrejectedresources',
        },
      ],
    },
    {
      name: 'config-reloaders',
      rules: [
        {
          // The reloader next to each Prometheus and Alertmanager pod: when it fails, configuration
          // changes never reach the running server.
          alert: 'ConfigReloaderSidecarErrors',
          expr: 'max_over_time(reloader_last_reload_successful{namespace=~".+"}[5m]) == 0',
          for: '10m',
          severity: 'warning',
          summary: 'A config reloader sidecar fails to reload.',
          description:
            'The config reloader of {{ $labels.namespace }}/{{ $labels.pod }} has failed to reload for 10 minutes: the server runs an old configuration.',
          runbook: 'prometheus-operator/configreloadersidecarerrors',
        },
      ],
    },
  ],
};
