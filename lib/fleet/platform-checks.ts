// Rules of a cluster's platform and control-plane settings: etcd client certificates are for a platform
// whose etcd Prometheus can reach, on a cluster that runs Prometheus.
import { DEFAULT_PLATFORM } from './defaults';
import type { FleetProblem } from './errors';
import { exposes, PLATFORM_TARGETS, PLATFORMS } from './platforms';
import type { Fleet } from './schema';
import { runsWorkloadStack } from './roles';

export function controlPlaneProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  fleet.clusters.forEach((c, i) => {
    if (!c.controlPlane) return;
    const at = `clusters[${i}].controlPlane`;
    if (!runsWorkloadStack(c)) {
      problems.push({
        path: at,
        message:
          'configures what Prometheus scrapes, and this cluster runs none; add "workload" to roles (or, on an observer, remove selfMonitoring: false) or remove it',
      });
      return;
    }
    const platform = c.platform ?? fleet.defaults?.platform ?? DEFAULT_PLATFORM;
    if (c.controlPlane.etcd && c.controlPlane.exclude?.includes('etcd')) {
      problems.push({ path: `${at}.etcd`, message: 'gives the client certificate of etcd, which exclude lists; remove one of the two' });
    } else if (c.controlPlane.etcd && !exposes(platform, 'etcd')) {
      const exposure = PLATFORM_TARGETS[platform].etcd;
      const why = exposure === true ? '' : ` (${exposure.why})`;
      const withEtcd = PLATFORMS.filter((p) => exposes(p, 'etcd')).join(', ');
      problems.push({
        path: `${at}.etcd`,
        message: `platform ${platform} has no etcd Prometheus can scrape${why}; remove it, or set clusters[${i}].platform to ${withEtcd} if the cluster is one`,
      });
    }
  });
  return problems;
}
