// The synth summary's PKI part: what was created, issued or renewed, and when each certificate expires.
import * as path from 'path';
import type { PkiReport, PkiReportEntry } from './fleet-pki';
import { isoDay as day } from './inspect';

function describeEntry(e: PkiReportEntry): string {
  return `${e.action}${e.reason ? ` (${e.reason})` : ''}, expires ${day(e.notAfter)}`;
}

/** Lines about the store as a whole: the CA, the counts, rotation state and warnings. */
export function pkiSummary(report: PkiReport, cwd = process.cwd()): string[] {
  const where = path.relative(cwd, report.dir) || '.';
  const leaves = report.entries.filter((e) => e.cluster);
  const count = (a: string) => leaves.filter((e) => e.action === a).length;
  const cas = report.entries.filter((e) => !e.cluster).map((e) => `${e.kind === 'ca' ? 'CA' : 'intermediate CA'} "${e.commonName}" ${describeEntry(e)}`);
  const lines = [`PKI ${where}/: ${cas.join('; ')}; certificates: ${count('issued')} issued, ${count('renewed')} renewed, ${count('kept')} kept`];
  if (report.rotation === 'started') {
    lines.push(
      'PKI: CA rotation step 1 of 3: the next CA is trusted next to the current one. Apply every cluster, restart the sidecars and Querier (docs/operations.md, "CA rotation"), then run: npm run pki -- rotate-ca switch',
    );
  } else if (report.rotation === 'switched') {
    lines.push(
      'PKI: CA rotation step 2 of 3: certificates come from the new CA, the old one is still trusted. Apply every cluster, then run: npm run pki -- rotate-ca finish',
    );
  }
  for (const w of report.warnings) lines.push(`PKI warning: ${w}`);
  return lines;
}

/**
 * One cluster's certificates and generated passwords, e.g. "sidecar certificate issued, expires 2027-11-27".
 * A password is named by its file in the store, never shown: the summary ends up in CI logs.
 */
export function clusterCertSummary(report: PkiReport, cluster: string, cwd = process.cwd()): string {
  return [
    ...report.entries.filter((e) => e.cluster === cluster).map((e) => `${e.kind} certificate ${describeEntry(e)}`),
    ...report.credentials
      .filter((e) => e.cluster === cluster)
      .map((e) => `${e.kind} password ${e.action}${e.reason ? ` (${e.reason})` : ''}, in ${path.relative(cwd, e.file)}${e.encrypted ? ' (encrypted)' : ''}`),
    ...(report.etcdClients ?? [])
      .filter((e) => e.cluster === cluster)
      .map((e) => `etcd client certificate ${e.action === 'imported' ? `imported into ${path.relative(cwd, e.file)}` : 'kept'}, expires ${day(e.notAfter)}`),
  ].join('; ');
}
