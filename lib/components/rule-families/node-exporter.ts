// The hosts under the cluster, from node-exporter: filesystems filling up (space and inodes), network
// errors, conntrack and file-descriptor exhaustion, clock drift, RAID and bonding degradation, CPU,
// load, memory and disk saturation, failed systemd units; and the per-instance recording rules the
// node dashboards read. Series of one host are told apart by `instance`; `cluster` rides along (every
// aggregation here is `without`, which keeps it).
import { NODE_EXPORTER_NAME } from '../node-exporter';
import type { AlertSpec, RuleFamily } from './types';

const job = `job="${NODE_EXPORTER_NAME}"`;
const ne = (extra = '') => `{${job}${extra ? `, ${extra}` : ''}}`;
/** Real filesystems only: node-exporter reports pseudo mounts with an empty fstype. */
const fs = ne('fstype!="", mountpoint!=""');
/** Block devices, not partitions' loop and ram devices (the kube-prometheus list). */
const DISK_DEVICES = 'device=~"(/dev/)?(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|md.+|dasd.+)"';

/** Free space (percent) under which a filesystem that is filling up is reported, per severity, and the horizon (hours) of the prediction. */
const SPACE_FILLING = { warning: { percent: 40, hours: 24 }, critical: { percent: 15, hours: 4 } } as const;
const FILES_FILLING = { warning: { percent: 40, hours: 24 }, critical: { percent: 20, hours: 4 } } as const;
/** Free space or inodes (percent) under which a filesystem is reported whatever its trend. */
const SPACE_LEFT = { warning: 5, critical: 3 } as const;
const FILES_LEFT = { warning: 5, critical: 3 } as const;

const fsWhere = 'Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }}';

const spaceFillingUp = (severity: 'warning' | 'critical'): AlertSpec => {
  const { percent, hours } = SPACE_FILLING[severity];
  return {
    alert: 'NodeFilesystemSpaceFillingUp',
    // Read-only filesystems cannot fill up; the 6h trend keeps a short burst of writes from alerting.
    expr:
      `node_filesystem_avail_bytes${fs} / node_filesystem_size_bytes${fs} * 100 < ${percent}` +
      ` and predict_linear(node_filesystem_avail_bytes${fs}[6h], ${hours} * 60 * 60) < 0` +
      ` and node_filesystem_readonly${fs} == 0`,
    for: '1h',
    severity,
    summary: `A filesystem is predicted to run out of space within ${hours} hours.`,
    description: `${fsWhere} has {{ printf "%.2f" $value }}% space left and, at its rate of the last 6 hours, will be full within ${hours} hours.`,
    runbook: 'node/nodefilesystemspacefillingup',
  };
};

const almostOutOfSpace = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'NodeFilesystemAlmostOutOfSpace',
  expr: `node_filesystem_avail_bytes${fs} / node_filesystem_size_bytes${fs} * 100 < ${SPACE_LEFT[severity]} and node_filesystem_readonly${fs} == 0`,
  for: '30m',
  severity,
  summary: `A filesystem has less than ${SPACE_LEFT[severity]}% space left.`,
  description: `${fsWhere} has {{ printf "%.2f" $value }}% space left.`,
  runbook: 'node/nodefilesystemalmostoutofspace',
});

const filesFillingUp = (severity: 'warning' | 'critical'): AlertSpec => {
  const { percent, hours } = FILES_FILLING[severity];
  return {
    alert: 'NodeFilesystemFilesFillingUp',
    expr:
      `node_filesystem_files_free${fs} / node_filesystem_files${fs} * 100 < ${percent}` +
      ` and predict_linear(node_filesystem_files_free${fs}[6h], ${hours} * 60 * 60) < 0` +
      ` and node_filesystem_readonly${fs} == 0`,
    for: '1h',
    severity,
    summary: `A filesystem is predicted to run out of inodes within ${hours} hours.`,
    description: `${fsWhere} has {{ printf "%.2f" $value }}% inodes left and, at its rate of the last 6 hours, will have none within ${hours} hours.`,
    runbook: 'node/nodefilesystemfilesfillingup',
  };
};

const almostOutOfFiles = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'NodeFilesystemAlmostOutOfFiles',
  expr: `node_filesystem_files_free${fs} / node_filesystem_files${fs} * 100 < ${FILES_LEFT[severity]} and node_filesystem_readonly${fs} == 0`,
  for: '1h',
  severity,
  summary: `A filesystem has less than ${FILES_LEFT[severity]}% inodes left.`,
  description: `${fsWhere} has {{ printf "%.2f" $value }}% inodes left.`,
  runbook: 'node/nodefilesystemalmostoutoffiles',
});

const networkErrors = (direction: 'receive' | 'transmit'): AlertSpec => {
  const Dir = direction === 'receive' ? 'Receive' : 'Transmit';
  return {
    alert: `NodeNetwork${Dir}Errs`,
    expr: `rate(node_network_${direction}_errs_total${ne()}[2m]) / rate(node_network_${direction}_packets_total${ne()}[2m]) > 0.01`,
    for: '1h',
    severity: 'warning',
    summary: `A network interface reports many ${direction} errors.`,
    description: `{{ $value | humanizePercentage }} of the packets ${direction === 'receive' ? 'received' : 'sent'} on {{ $labels.device }} at {{ $labels.instance }} failed over the last 2 minutes.`,
    runbook: `node/nodenetwork${direction}errs`,
  };
};

const fileDescriptors = (severity: 'warning' | 'critical', percent: number): AlertSpec => ({
  alert: 'NodeFileDescriptorLimit',
  expr: `node_filefd_allocated${ne()} * 100 / node_filefd_maximum${ne()} > ${percent}`,
  for: '15m',
  severity,
  summary: 'The kernel is running out of file descriptors.',
  description: `{{ $labels.instance }} has allocated {{ printf "%.2f" $value }}% of its file descriptors (over ${percent}%).`,
  runbook: 'node/nodefiledescriptorlimit',
});

/** Rate window of the recording rules (in their names, as upstream). */
const RATE = '5m';
const notLo = ne('device!="lo"');
/** The node's own interfaces: container traffic crosses a veth pair and then a physical interface, so it would count twice. */
const physical = ne('device!~"lo|veth.+"');
/** CPU time doing work: neither idle, waiting for I/O nor stolen by the hypervisor. */
const busyCpu = ne('mode!="idle", mode!="iowait", mode!="steal"');
/** CPUs per cluster and instance. */
const cpus = (by: string) => `count by (${by}) (count by (cluster, instance, cpu) (node_cpu_seconds_total${ne()}))`;

export const nodeExporter: RuleFamily = {
  name: 'node-exporter',
  needs: ['node-exporter'],
  groups: [
    {
      name: 'node-exporter',
      rules: [
        spaceFillingUp('warning'),
        spaceFillingUp('critical'),
        almostOutOfSpace('warning'),
        almostOutOfSpace('critical'),
        filesFillingUp('warning'),
        filesFillingUp('critical'),
        almostOutOfFiles('warning'),
        almostOutOfFiles('critical'),
        networkErrors('receive'),
        networkErrors('transmit'),
        {
          alert: 'NodeHighNumberConntrackEntriesUsed',
          expr: `node_nf_conntrack_entries${ne()} / node_nf_conntrack_entries_limit${ne()} > 0.75`,
          severity: 'warning',
          summary: 'The conntrack table is getting full.',
          description:
            '{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its conntrack entries: new connections are dropped when none are left.',
          runbook: 'node/nodehighnumberconntrackentriesused',
        },
        {
          alert: 'NodeTextFileCollectorScrapeError',
          expr: `node_textfile_scrape_error${ne()} == 1`,
          severity: 'warning',
          summary: "node-exporter's text file collector failed.",
          description: 'The text file collector of node-exporter on {{ $labels.instance }} could not read its files: their metrics are missing.',
          runbook: 'node/nodetextfilecollectorscrapeerror',
        },
        {
          alert: 'NodeClockSkewDetected',
          // Off by more than 50ms and not converging back towards zero.
          expr:
            `(node_timex_offset_seconds${ne()} > 0.05 and deriv(node_timex_offset_seconds${ne()}[5m]) >= 0)` +
            ` or (node_timex_offset_seconds${ne()} < -0.05 and deriv(node_timex_offset_seconds${ne()}[5m]) <= 0)`,
          for: '10m',
          severity: 'warning',
          summary: 'A node clock is skewed.',
          description: 'The clock of {{ $labels.instance }} is off by more than 50ms and not converging. Check its NTP configuration.',
          runbook: 'node/nodeclockskewdetected',
        },
        {
          alert: 'NodeClockNotSynchronising',
          expr: `min_over_time(node_timex_sync_status${ne()}[5m]) == 0 and node_timex_maxerror_seconds${ne()} >= 16`,
          for: '10m',
          severity: 'warning',
          summary: 'A node clock is not synchronising.',
          description: 'The clock of {{ $labels.instance }} is not synchronised. Check that NTP runs on this host.',
          runbook: 'node/nodeclocknotsynchronising',
        },
        {
          alert: 'NodeRAIDDegraded',
          expr: `node_md_disks_required${ne(DISK_DEVICES)} - ignoring (state) node_md_disks${ne(`state="active", ${DISK_DEVICES}`)} > 0`,
          for: '15m',
          severity: 'critical',
          summary: 'A RAID array is degraded.',
          description: 'RAID array {{ $labels.device }} on {{ $labels.instance }} lacks {{ $value }} active disks and has no spare to rebuild on its own.',
          runbook: 'node/noderaiddegraded',
        },
        {
          alert: 'NodeRAIDDiskFailure',
          expr: `node_md_disks${ne(`state="failed", ${DISK_DEVICES}`)} > 0`,
          severity: 'warning',
          summary: 'A disk of a RAID array failed.',
          description: 'RAID array {{ $labels.device }} on {{ $labels.instance }} has a failed disk: it needs attention, and possibly a disk swap.',
          runbook: 'node/noderaiddiskfailure',
        },
        fileDescriptors('warning', 70),
        fileDescriptors('critical', 90),
        {
          alert: 'NodeCPUHighUsage',
          expr: `sum without (mode) (avg without (cpu) (rate(node_cpu_seconds_total${ne('mode!~"idle|iowait"')}[2m]))) * 100 > 90`,
          for: '15m',
          severity: 'info',
          summary: 'A node has high CPU usage.',
          description: 'The CPUs of {{ $labels.instance }} have been over 90% busy for 15 minutes, now {{ printf "%.2f" $value }}%.',
          runbook: 'node/nodecpuhighusage',
        },
        {
          alert: 'NodeSystemSaturation',
          expr: `node_load1${ne()} / count without (cpu, mode) (node_cpu_seconds_total${ne('mode="idle"')}) > 2`,
          for: '15m',
          severity: 'warning',
          summary: 'A node is saturated: load per CPU is very high.',
          description:
            'The load per CPU of {{ $labels.instance }} has been over 2 for 15 minutes, now {{ printf "%.2f" $value }}: the node may become unresponsive.',
          runbook: 'node/nodesystemsaturation',
        },
        {
          alert: 'NodeMemoryMajorPagesFaults',
          expr: `rate(node_vmstat_pgmajfault${ne()}[5m]) > 500`,
          for: '15m',
          severity: 'warning',
          summary: 'A node has a very high rate of major page faults.',
          description:
            '{{ $labels.instance }} has had over 500 major page faults per second for 15 minutes, now {{ printf "%.2f" $value }}: check that it has enough memory.',
          runbook: 'node/nodememorymajorpagesfaults',
        },
        {
          alert: 'NodeMemoryHighUtilization',
          expr: `100 - node_memory_MemAvailable_bytes${ne()} / node_memory_MemTotal_bytes${ne()} * 100 > 90`,
          for: '15m',
          severity: 'warning',
          summary: 'A node is running out of memory.',
          description: 'Memory of {{ $labels.instance }} has been over 90% used for 15 minutes, now {{ printf "%.2f" $value }}%.',
          runbook: 'node/nodememoryhighutilization',
        },
        {
          alert: 'NodeDiskIOSaturation',
          // Weighted I/O seconds per second: the average queue length (aqu-sz in iostat).
          expr: `rate(node_disk_io_time_weighted_seconds_total${ne(DISK_DEVICES)}[5m]) > 10`,
          for: '30m',
          severity: 'warning',
          summary: 'A disk I/O queue is long.',
          description:
            'The I/O queue of {{ $labels.device }} on {{ $labels.instance }} has been over 10 for 30 minutes, now {{ printf "%.2f" $value }}: the disk may be saturated.',
          runbook: 'node/nodediskiosaturation',
        },
        {
          alert: 'NodeSystemdServiceFailed',
          // Needs node-exporter's systemd collector, off by default: without it, this never fires.
          expr: `node_systemd_unit_state${ne('state="failed"')} == 1`,
          for: '5m',
          severity: 'warning',
          summary: 'A systemd service has failed.',
          description: 'systemd service {{ $labels.name }} on {{ $labels.instance }} is in the failed state.',
          runbook: 'node/nodesystemdservicefailed',
        },
        {
          alert: 'NodeSystemdServiceCrashlooping',
          expr: `increase(node_systemd_service_restart_total${ne()}[5m]) > 2`,
          for: '15m',
          severity: 'warning',
          summary: 'A systemd service keeps restarting.',
          description:
            'systemd service {{ $labels.name }} on {{ $labels.instance }} has restarted more than twice every 5 minutes for 15 minutes: it may be crash looping.',
          runbook: 'node/nodesystemdservicecrashlooping',
        },
        {
          alert: 'NodeBondingDegraded',
          expr: `node_bonding_slaves${ne()} - node_bonding_active${ne()} != 0`,
          for: '5m',
          severity: 'warning',
          summary: 'A bonded network interface is degraded.',
          description: 'Bonded interface {{ $labels.master }} on {{ $labels.instance }} has {{ $value }} inactive members.',
          runbook: 'node/nodebondingdegraded',
        },
      ],
    },
    {
      name: 'node-exporter.rules',
      rules: [
        { record: 'instance:node_num_cpu:sum', expr: `count without (cpu, mode) (node_cpu_seconds_total${ne('mode="idle"')})` },
        {
          // Busy share of the CPUs: time neither idle, waiting for I/O nor stolen by the hypervisor.
          record: `instance:node_cpu_utilisation:rate${RATE}`,
          expr: `1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total${ne('mode=~"idle|iowait|steal"')}[${RATE}])))`,
        },
        { record: 'instance:node_load1_per_cpu:ratio', expr: `node_load1${ne()} / instance:node_num_cpu:sum${ne()}` },
        {
          // Kernels before 3.14 have no MemAvailable: estimate it from what the kernel can reclaim.
          record: 'instance:node_memory_utilisation:ratio',
          expr:
            `1 - (node_memory_MemAvailable_bytes${ne()}` +
            ` or (node_memory_Buffers_bytes${ne()} + node_memory_Cached_bytes${ne()} + node_memory_MemFree_bytes${ne()} + node_memory_Slab_bytes${ne()}))` +
            ` / node_memory_MemTotal_bytes${ne()}`,
        },
        { record: `instance:node_vmstat_pgmajfault:rate${RATE}`, expr: `rate(node_vmstat_pgmajfault${ne()}[${RATE}])` },
        { record: `instance_device:node_disk_io_time_seconds:rate${RATE}`, expr: `rate(node_disk_io_time_seconds_total${ne(DISK_DEVICES)}[${RATE}])` },
        {
          record: `instance_device:node_disk_io_time_weighted_seconds:rate${RATE}`,
          expr: `rate(node_disk_io_time_weighted_seconds_total${ne(DISK_DEVICES)}[${RATE}])`,
        },
        ...(['receive', 'transmit'] as const).flatMap((dir) =>
          (['bytes', 'drop'] as const).map((what) => ({
            record: `instance:node_network_${dir}_${what}_excluding_lo:rate${RATE}`,
            expr: `sum without (device) (rate(node_network_${dir}_${what}_total${notLo}[${RATE}]))`,
          })),
        ),
        ...(['receive', 'transmit'] as const).flatMap((dir) =>
          (['bytes', 'drop'] as const).map((what) => ({
            record: `instance:node_network_${dir}_${what}_physical:rate${RATE}`,
            expr: `sum without (device) (rate(node_network_${dir}_${what}_total${physical}[${RATE}]))`,
          })),
        ),
      ],
    },
    {
      // kube-prometheus' own node series, read by its older dashboards.
      name: 'kube-prometheus-node-recording.rules',
      rules: [
        { record: 'instance:node_cpu:rate:sum', expr: `sum by (cluster, instance) (rate(node_cpu_seconds_total${busyCpu}[3m]))` },
        { record: 'instance:node_network_receive_bytes:rate:sum', expr: `sum by (cluster, instance) (rate(node_network_receive_bytes_total${ne()}[3m]))` },
        { record: 'instance:node_network_transmit_bytes:rate:sum', expr: `sum by (cluster, instance) (rate(node_network_transmit_bytes_total${ne()}[3m]))` },
        {
          record: 'instance:node_cpu:ratio',
          expr: `sum without (cpu, mode) (rate(node_cpu_seconds_total${busyCpu}[5m])) / on (cluster, instance) group_left () ${cpus('cluster, instance')}`,
        },
        { record: 'cluster:node_cpu:sum_rate5m', expr: `sum by (cluster) (rate(node_cpu_seconds_total${busyCpu}[5m]))` },
        { record: 'cluster:node_cpu:ratio', expr: `cluster:node_cpu:sum_rate5m / ${cpus('cluster')}` },
      ],
    },
    {
      name: 'node-network',
      rules: [
        {
          alert: 'NodeNetworkInterfaceFlapping',
          expr: `changes(node_network_up${ne('device!~"veth.+"')}[2m]) > 2`,
          for: '2m',
          severity: 'warning',
          summary: 'A network interface keeps going up and down.',
          description: 'Network interface {{ $labels.device }} on {{ $labels.instance }} changed its up status {{ $value }} times in 2 minutes.',
          runbook: 'general/nodenetworkinterfaceflapping',
        },
      ],
    },
  ],
};
