// promfleet: fleet file -> validated model -> per-cluster manifests in dist/.
// Run by `cdk8s synth` (see cdk8s.yaml). FLEET picks the fleet file, PROMFLEET_OUT the output folder,
// PROMFLEET_PKI_DIR the PKI store, PROMFLEET_LOCK_TIMEOUT how long to wait for another synth (seconds).
// With CI set (docs/operations.md, "In CI") no certificate is issued; PROMFLEET_PKI_IN_CI=fail makes a
// store that lacks one an error instead of a render without dist/*/secrets/.
import * as fs from 'fs';
import * as path from 'path';
import { sealingCertificateProblems } from './lib/delivery/sealed-secrets';
import { deliverySummary } from './lib/delivery/summary';
import { FleetError } from './lib/fleet/errors';
import { loadFleetFromEnv } from './lib/fleet/load';
import type { FleetModel } from './lib/fleet/model';
import { EnvError, errnoText, IoError, isErrno } from './lib/io/errors';
import { acquireLock, lockTimeoutFromEnv, type Lock } from './lib/io/lock';
import { realPathOf } from './lib/io/paths';
import { OutputError, resolveOutputDir } from './lib/output/ownership';
import { recoverOutput } from './lib/output/staging';
import { ageIdentitiesFromEnv, clusterCertSummary, pkiSummary, PkiError, PkiStore, stagePki, type PendingWrite } from './lib/pki';
import { publishRender, stageFleet } from './lib/render';

/** What a synth has changed so far: the closing message must say it truthfully. */
interface Progress {
  recovered: boolean;
  storeWritten: boolean;
  distReplaced: boolean;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // cdk8s synth captures stdout: everything goes to stderr so users see it.
  const say = (line: string) => process.stderr.write(`promfleet: ${line}\n`);
  const shown = (p: string) => path.relative(process.cwd(), p) || '.';
  const outArg = env.PROMFLEET_OUT ?? 'dist';
  let target: string | undefined;
  let storeDir: string | undefined;
  const progress: Progress = { recovered: false, storeWritten: false, distReplaced: false };
  const locks: Lock[] = [];
  // cdk8s synth has already removed its output link (.cdk8s.out) when the app starts.
  const linkRemoved = !!env.CDK8S_OUTDIR && !fs.existsSync(env.CDK8S_OUTDIR);
  try {
    const fleet = loadFleetFromEnv(env);
    const ci = inCi(env) ? pkiInCi(env) : undefined;
    const sealing = sealingCertificateProblems(fleet);
    if (sealing.length) throw new FleetError(fleet.source, sealing);
    storeDir = fleet.pki.dir;
    target = resolveOutputDir(outArg, { fleetFile: fleet.source === '<inline>' ? undefined : fleet.source, storeDir });

    // One synth at a time per output folder and per store: a second one waits, so one fleet never gets two CAs.
    const lockOpts = { timeoutMs: lockTimeoutFromEnv(env), onWait: say };
    locks.push(await acquireLock(target, 'the output folder', lockOpts));
    locks.push(await acquireLock(realPathOf(storeDir), 'the PKI store', lockOpts));
    // The store first, as it is written first.
    const recovered = [...new PkiStore(storeDir).recover(), ...recoverOutput(target)];
    progress.recovered = recovered.length > 0;
    for (const line of recovered) say(line);

    // Everything is checked and rendered against certificates held in memory; the store is then
    // updated first and dist/ second, each in one step.
    const pki = await stagePki(fleet, { issue: !ci, identities: ageIdentitiesFromEnv(env) });
    if (pki.withheld) withholdSecrets(fleet, pki, ci, storeDir, say);
    const rendered = stageFleet(fleet, target, pki);
    // An encrypted store: the render's files for the store (seal states) are encrypted before anything is written.
    let storeWrites: PendingWrite[];
    try {
      storeWrites = await pki.protect(rendered.storeWrites);
    } catch (e) {
      rendered.discard();
      throw e;
    }
    const staged = { ...rendered, storeWrites };
    // In CI the store is opened read-only: its commit writes nothing.
    publishRender(staged, pki, (step) => (step === 'store' ? (progress.storeWritten = !ci) : (progress.distReplaced = true)));

    if (!pki.withheld) for (const line of pkiSummary(pki.report)) say(line);
    const result = staged.result;
    for (const c of result.clusters) {
      const certs = clusterCertSummary(pki.report, c.cluster);
      say(`${c.cluster}: ${c.objects} objects in ${c.files} files -> ${shown(path.join(target, c.cluster))}/${certs ? `; ${certs}` : ''}`);
    }
    for (const line of deliverySummary(fleet, result)) process.stderr.write(`${line}\n`);
    return 0;
  } catch (e) {
    const known = e instanceof FleetError || e instanceof PkiError || e instanceof OutputError || e instanceof IoError || e instanceof EnvError;
    if (known) say(e.message);
    else if (isErrno(e)) say(`${e.path ?? 'a file'}: ${e.syscall ?? 'file system'} failed: ${errnoText(e)}`);
    else say(`internal error, please report it with the fleet file that caused it:\n${(e as Error)?.stack ?? String(e)}`);
    say(outcome(progress, target ? shown(target) : outArg || '(empty)', storeDir ? shown(storeDir) : undefined));
    if (linkRemoved && target && fs.existsSync(target))
      say(`(cdk8s synth removed its link ${env.CDK8S_OUTDIR} before promfleet ran; it points to ${shown(target)}/ again)`);
    return 1;
  } finally {
    for (const lock of locks.reverse()) lock.release();
    if (target) relinkCdk8sOutdir(env.CDK8S_OUTDIR, target, say);
  }
}

/**
 * Whether this synth runs in CI: CI is set to anything but "", "false" or "0" (CI systems set it to
 * "true" or "1"; "0" and "false" are how one turns it off for a run).
 */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

/** What a synth in CI does when the store lacks what the fleet needs: PROMFLEET_PKI_IN_CI. */
function pkiInCi(env: NodeJS.ProcessEnv): 'render' | 'fail' {
  const v = env.PROMFLEET_PKI_IN_CI ?? '';
  if (v === '' || v === 'render') return 'render';
  if (v === 'fail') return 'fail';
  throw new EnvError('PROMFLEET_PKI_IN_CI', `must be "render" (the default) or "fail", got ${JSON.stringify(v)}`);
}

/**
 * A synth in CI whose store lacks what the fleet needs: says which secrets are not rendered and how
 * to render them, or fails (PROMFLEET_PKI_IN_CI=fail, or a sealed cluster, whose committed
 * SealedSecrets come from the store's keys) before anything is written.
 */
function withholdSecrets(
  fleet: FleetModel,
  pki: { withheld?: readonly string[]; locked?: boolean },
  ci: 'render' | 'fail' | undefined,
  storeDir: string,
  say: (line: string) => void,
): void {
  const needs = pki.withheld ?? [];
  const shown = needs.length > 6 ? [...needs.slice(0, 5), `${needs.length - 5} more`] : needs;
  const lacks = `CI is set, so promfleet issues no certificate, and this PKI store lacks ${shown.join(', ')}`;
  // CI systems set CI=true, so a job meant to renew (or to issue for a new cluster) must turn it off: CI=false.
  const fix = pki.locked
    ? 'give this job an age identity whose recipient is in pki.encryption.recipients, in PROMFLEET_AGE_IDENTITY or PROMFLEET_AGE_IDENTITY_FILE (docs/operations.md, "In CI")'
    : `run CI=false npm run synth where the store is (with its age identity if the store is encrypted), and commit dist/ and the store (docs/operations.md, "In CI")`;
  const sealed = fleet.clusters.filter((c) => c.sealedSecrets).map((c) => c.name);
  if (sealed.length) {
    throw new PkiError(
      storeDir,
      `${lacks}; the committed SealedSecrets of ${sealed.join(', ')} are sealed from the store's keys, so dist/ cannot be rendered. To fix it, ${fix}`,
    );
  }
  if (ci === 'fail')
    throw new PkiError(storeDir, `${lacks} (PROMFLEET_PKI_IN_CI=fail). To fix it, ${fix}; or unset PROMFLEET_PKI_IN_CI to render dist/ without its secrets`);
  say(`${path.relative(process.cwd(), storeDir) || '.'}/: ${lacks}.`);
  say(
    `So dist/<cluster>/secrets/ (git-ignored: every Secret, the TLS keys and the Querier's sign-in) is not rendered; every other file of dist/ is, exactly as with the store. To render the secrets, ${fix}. PROMFLEET_PKI_IN_CI=fail makes this an error.`,
  );
}

/** The truth about what a failed synth changed. */
function outcome(p: Progress, out: string, store: string | undefined): string {
  const storeWords = store ? `the PKI store ${store}/` : 'the PKI store';
  if (p.distReplaced) return `${out}/ and ${storeWords} were both updated before this error.`;
  if (p.storeWritten) {
    return `${storeWords} was updated (its new certificates are kept); ${out}/ is as it was. Fix the cause and synth again to render them.`;
  }
  const besides = p.recovered ? ' else (besides finishing the interrupted work above)' : '';
  return `Nothing${besides} was written: ${out}/ and ${storeWords} are as they were.`;
}

/**
 * `cdk8s synth` deletes its output folder before running the app, which would lose dist/ on a
 * failed synth. cdk8s.yaml therefore points it at .cdk8s.out, a link to dist/, made again after
 * every run (a failed one too: the link is all cdk8s removed).
 */
function relinkCdk8sOutdir(cdk8sOut: string | undefined, outDir: string, say: (line: string) => void): void {
  if (!cdk8sOut || path.resolve(cdk8sOut) === outDir || !fs.existsSync(outDir)) return;
  try {
    fs.rmSync(cdk8sOut, { recursive: true, force: true });
    fs.symlinkSync(path.relative(path.dirname(path.resolve(cdk8sOut)), outDir), cdk8sOut);
  } catch (e) {
    say(`${cdk8sOut}: cannot link it to ${outDir} (${errnoText(e)}); cdk8s synth removes it on every run, ${outDir} itself is fine`);
  }
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
