// promfleet: fleet file -> validated model -> per-cluster manifests in dist/.
// Run by `cdk8s synth` (see cdk8s.yaml). FLEET picks the fleet file, PROMFLEET_OUT the output folder,
// PROMFLEET_PKI_DIR the PKI store.
import * as fs from 'fs';
import * as path from 'path';
import { loadFleetFromEnv } from './lib/fleet/load';
import { FleetError } from './lib/fleet/errors';
import { sealingCertificateProblems } from './lib/delivery/sealed-secrets';
import { deliverySummary } from './lib/delivery/summary';
import { clusterCertSummary, pkiSummary, PkiError, preparePki } from './lib/pki';
import { OutputError, renderFleet } from './lib/render';

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const outDir = path.resolve(env.PROMFLEET_OUT ?? 'dist');
  try {
    const fleet = loadFleetFromEnv(env);
    const sealing = sealingCertificateProblems(fleet);
    if (sealing.length) throw new FleetError(fleet.source, sealing);
    // Certificates first: the store is checked (and completed) before anything is rendered.
    const pki = await preparePki(fleet);
    const result = renderFleet(fleet, outDir, pki);
    // cdk8s synth captures stdout: the summary goes to stderr so users see it.
    for (const line of pkiSummary(pki.report)) process.stderr.write(`promfleet: ${line}\n`);
    for (const c of result.clusters) {
      const certs = clusterCertSummary(pki.report, c.cluster);
      const where = path.relative(process.cwd(), path.join(outDir, c.cluster)) || '.';
      process.stderr.write(`promfleet: ${c.cluster}: ${c.objects} objects in ${c.files} files -> ${where}/${certs ? `; ${certs}` : ''}\n`);
    }
    for (const line of deliverySummary(fleet, result)) process.stderr.write(`${line}\n`);
    linkCdk8sOutdir(env.CDK8S_OUTDIR, outDir);
    return 0;
  } catch (e) {
    if (e instanceof FleetError || e instanceof PkiError || e instanceof OutputError) {
      process.stderr.write(`promfleet: ${e.message}\nNothing was written; ${path.relative(process.cwd(), outDir) || outDir}/ is unchanged.\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * `cdk8s synth` deletes its output folder before running the app, which would lose dist/ on a
 * failed synth. cdk8s.yaml therefore points it at .cdk8s.out, a link to dist/ made after success.
 */
function linkCdk8sOutdir(cdk8sOut: string | undefined, outDir: string): void {
  if (!cdk8sOut || path.resolve(cdk8sOut) === outDir) return;
  fs.rmSync(cdk8sOut, { recursive: true, force: true });
  fs.symlinkSync(path.relative(path.dirname(path.resolve(cdk8sOut)), outDir), cdk8sOut);
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
