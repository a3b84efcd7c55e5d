// Persistent volumes running out of space or inodes (as the kubelet measures them) and volumes the
// provisioner failed. Claims mounted read-only cannot fill up, and a claim labelled
// excluded_from_alerts=true (exported when kube-state-metrics allows PVC labels) is left out on purpose.
import { KSM_NAME } from '../kube-state-metrics';
import { JOB, type AlertSpec, type RuleFamily } from './types';

const kubelet = `{job="${JOB.kubelet}", metrics_path="/metrics"}`;
const ksm = (extra: string) => `{job="${KSM_NAME}", ${extra}}`;
const claim = 'cluster, namespace, persistentvolumeclaim';
const notExcluded =
  ` unless on (${claim}) kube_persistentvolumeclaim_access_mode${ksm('access_mode="ReadOnlyMany"')} == 1` +
  ` unless on (${claim}) kube_persistentvolumeclaim_labels${ksm('label_excluded_from_alerts="true"')} == 1`;

/** Free share under which a volume is reported: at once when critical, when predicted full within 4 days when warning. */
const FREE = { critical: 0.03, warning: 0.15 } as const;
const PREDICTION_SECONDS = 4 * 24 * 60 * 60;
const where = 'The volume of claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }}';

const fillingUp = (severity: 'critical' | 'warning', what: 'space' | 'inodes'): AlertSpec => {
  const [free, total, used] =
    what === 'space'
      ? ['kubelet_volume_stats_available_bytes', 'kubelet_volume_stats_capacity_bytes', 'kubelet_volume_stats_used_bytes']
      : ['kubelet_volume_stats_inodes_free', 'kubelet_volume_stats_inodes', 'kubelet_volume_stats_inodes_used'];
  // A volume with nothing used yet reports odd numbers on some drivers.
  const base = `${free}${kubelet} / ${total}${kubelet} < ${FREE[severity]} and ${used}${kubelet} > 0`;
  const trend = severity === 'warning' ? ` and predict_linear(${free}${kubelet}[6h], ${PREDICTION_SECONDS}) < 0` : '';
  const noun = what === 'space' ? 'space' : 'inodes';
  return {
    alert: what === 'space' ? 'KubePersistentVolumeFillingUp' : 'KubePersistentVolumeInodesFillingUp',
    expr: base + trend + notExcluded,
    for: severity === 'critical' ? '1m' : '1h',
    severity,
    summary: what === 'space' ? 'A PersistentVolume is filling up.' : 'A PersistentVolume is running out of inodes.',
    description:
      severity === 'critical'
        ? `${where} has {{ $value | humanizePercentage }} of its ${noun} free.`
        : `${where} has {{ $value | humanizePercentage }} of its ${noun} free and, at its rate of the last 6 hours, will have none within 4 days.`,
    runbook: what === 'space' ? 'kubernetes/kubepersistentvolumefillingup' : 'kubernetes/kubepersistentvolumeinodesfillingup',
  };
};

export const kubernetesStorage: RuleFamily = {
  name: 'kubernetes-storage',
  needs: ['kubelet', 'kube-state-metrics'],
  groups: [
    {
      name: 'kubernetes-storage',
      rules: [
        fillingUp('critical', 'space'),
        fillingUp('warning', 'space'),
        fillingUp('critical', 'inodes'),
        fillingUp('warning', 'inodes'),
        {
          alert: 'KubePersistentVolumeErrors',
          expr: `kube_persistentvolume_status_phase${ksm('phase=~"Failed|Pending"')} > 0`,
          for: '5m',
          severity: 'critical',
          summary: 'A PersistentVolume could not be provisioned.',
          description: 'PersistentVolume {{ $labels.persistentvolume }} is in phase {{ $labels.phase }}.',
          runbook: 'kubernetes/kubepersistentvolumeerrors',
        },
      ],
    },
  ],
};
