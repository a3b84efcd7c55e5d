// promfleet synth: fleet file -> validated model -> PKI -> per-cluster manifests in dist/, each written
// in one step. Also the cdk8s app (main.ts). FLEET picks the fleet file, PROMFLEET_OUT the output folder,
// PROMFLEET_PKI_DIR the PKI store, PROMFLEET_LOCK_TIMEOUT how long to wait for another synth (seconds);
// each has a flag. With CI set (docs/operations.md, "In CI") no certificate is issued; PROMFLEET_PKI_IN_CI=fail
// makes a store that lacks one an error instead of a render without dist/*/secrets/.
import * as fs from 'fs';
import * as path from 'path';
import { checkedPromql } from '../components/rules';
import { sealingCertificateProblems } from '../delivery/sealed-secrets';
import { deliverySummary, fleetWarnings } from '../delivery/summary';
import { FleetError } from '../fleet/errors';
import { loadFleetFromEnv } from '../fleet/load';
import type { FleetModel } from '../fleet/model';
import { EnvError, errnoText, isErrno } from '../io/errors';
import { acquireLock, lockTimeoutFromEnv, type Lock } from '../io/lock';
import { realPathOf } from '../io/paths';
import { resolveOutputDir } from '../output/ownership';
import { recoverOutput } from '../output/staging';
import { ageIdentitiesFromEnv, clusterCertSummary, pkiSummary, PkiError, PkiStore, stagePki, type PendingWrite } from '../pki';
import { publishRender, stageFleet } from '../render';

import { cacheFileOf, type CommandContext, type CommandSpec, envWithFlags, FLEET_FLAGS, isUserError, OUTPUT_FLAGS, parseCommand } from './command';

const SYNTH_FLAGS = {
  ...FLEET_FLAGS,
  out: { type: 'string', value: 'dir', env: 'PROMFLEET_OUT', help: 'the output folder (default: dist)' },
  ...OUTPUT_FLAGS,
} as const;

export const SYNTH: CommandSpec & { flags: typeof SYNTH_FLAGS } = {
  name: 'synth',
  usage: '[--fleet <file>] [--out <dir>] [--pki-dir <dir>] [--lock-timeout <seconds>] [--quiet | --json]',
  about: `Renders every cluster of the fleet into the output folder, exactly as \`cdk8s synth\` does: the PKI store is
updated first (certificates the fleet needs), then the output folder is replaced in one step. On an error
nothing is written. With CI set, no certificate is issued and the store is never written (docs/operations.md,
"In CI"). Exit 0 when rendered, 1 on an error (the message names the field or file and the fix), 2 on a usage error.`,
  flags: SYNTH_FLAGS,
};

/** `promfleet synth`. */
export async function main(args: string[], context: CommandContext = {}): Promise<number> {
  const parsed = parseCommand(SYNTH, args);
  if ('exit' in parsed) return parsed.exit;
  const { quiet, json } = parsed.values;
  return runSynth(envWithFlags(process.env, SYNTH.flags, parsed.values), { quiet, json, promqlCache: cacheFileOf(context, 'promql') });
}

/** What a synth has changed so far: the closing message must say it truthfully. */
interface Progress {
  recovered: boolean;
  storeWritten: boolean;
  distReplaced: boolean;
}

/** How a synth reports: the human summary on stderr, or nothing but warnings, or JSON on stdout. */
export interface SynthOutput {
  /** Only warnings and errors. */
  readonly quiet?: boolean;
  /** The summary as one JSON document on stdout (see SynthReport); human lines are left out. */
  readonly json?: boolean;
  /**
   * A progress line on stderr while clusters render, once a render has taken a second (so that small
   * fleets never show one). Only for a terminal: CI logs stay clean.
   * @default stderr is a TTY, and neither quiet nor json
   */
  readonly progress?: boolean;
  /**
   * How long a render runs before the progress line shows.
   * @default 1000
   */
  readonly progressAfterMs?: number;
  /**
   * A file holding the PromQL expressions an earlier synth of the same build found valid, read before the
   * render and completed after it (see checkedPromql).
   * @default none: every expression is parsed
   */
  readonly promqlCache?: string;
}

/** The summary of a synth, as `promfleet synth --json` prints it. */
export interface SynthReport {
  readonly ok: boolean;
  /** The output folder, relative to the working folder. */
  readonly out?: string;
  readonly clusters?: { cluster: string; objects: number; files: number; dir: string; certificates?: string }[];
  /** What a synth in CI without the store's certificates left out of dist/<cluster>/secrets/. */
  readonly withheld?: readonly string[];
  readonly error?: string;
}

/**
 * Renders the fleet into the output folder: the fleet file, the store and the output folder are
 * named by FLEET, PROMFLEET_PKI_DIR and PROMFLEET_OUT in `env` (promfleet synth's flags set them).
 */
export async function runSynth(env: NodeJS.ProcessEnv = process.env, output: SynthOutput = {}): Promise<number> {
  const human = !output.quiet && !output.json;
  // cdk8s synth captures stdout: everything human goes to stderr so users see it.
  const warn = (line: string) => process.stderr.write(`promfleet: ${line}\n`);
  const say = (line: string) => human && warn(line);
  const progressLine = (output.progress ?? (human && process.stderr.isTTY)) ? new ProgressLine(output.progressAfterMs ?? 1000) : undefined;
  const shown = (p: string) => path.relative(process.cwd(), p) || '.';
  const outArg = env.PROMFLEET_OUT ?? 'dist';
  let target: string | undefined;
  let storeDir: string | undefined;
  const progress: Progress = { recovered: false, storeWritten: false, distReplaced: false };
  const locks: Lock[] = [];
  let withheld: readonly string[] | undefined;
  // cdk8s synth has already removed its output link (.cdk8s.out) when the app starts.
  const linkRemoved = !!env.CDK8S_OUTDIR && !fs.existsSync(env.CDK8S_OUTDIR);
  try {
    if (output.promqlCache) checkedPromql.seed(readPromqlCache(output.promqlCache));
    const fleet = loadFleetFromEnv(env);
    const ci = inCi(env) ? pkiInCi(env) : undefined;
    const sealing = sealingCertificateProblems(fleet);
    if (sealing.length) throw new FleetError(fleet.source, sealing);
    storeDir = fleet.pki.dir;
    target = resolveOutputDir(outArg, { fleetFile: fleet.source === '<inline>' ? undefined : fleet.source, storeDir });

    // One synth at a time per output folder and per store: a second one waits, so one fleet never gets two CAs.
    const lockOpts = { timeoutMs: lockTimeoutFromEnv(env), onWait: warn };
    locks.push(await acquireLock(target, 'the output folder', lockOpts));
    locks.push(await acquireLock(realPathOf(storeDir), 'the PKI store', lockOpts));
    // The store first, as it is written first.
    const recovered = [...new PkiStore(storeDir).recover(), ...recoverOutput(target)];
    progress.recovered = recovered.length > 0;
    for (const line of recovered) warn(line);

    // Everything is checked and rendered against certificates held in memory; the store is then
    // updated first and dist/ second, each in one step.
    const pki = await stagePki(fleet, { issue: !ci, identities: ageIdentitiesFromEnv(env), onKey: progressLine?.track('making keys') });
    progressLine?.clear();
    if (pki.withheld) withholdSecrets(fleet, pki, ci, storeDir, warn);
    withheld = pki.withheld;
    const rendered = stageFleet(fleet, target, pki, { onCluster: progressLine?.track('rendering clusters') });
    progressLine?.clear();
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
    const clusters = result.clusters.map((c) => ({
      cluster: c.cluster,
      objects: c.objects,
      files: c.files,
      dir: shown(path.join(target as string, c.cluster)),
      certificates: clusterCertSummary(pki.report, c.cluster) || undefined,
    }));
    for (const c of clusters) say(`${c.cluster}: ${c.objects} objects in ${c.files} files -> ${c.dir}/${c.certificates ? `; ${c.certificates}` : ''}`);
    if (human) for (const line of deliverySummary(fleet, result)) process.stderr.write(`${line}\n`);
    // Warnings, so also with --quiet or --json: alerts that reach nobody, an etcd nobody watches.
    for (const line of fleetWarnings(fleet)) warn(line);
    if (output.json) printJson({ ok: true, out: shown(target), clusters, ...(withheld ? { withheld } : {}) });
    if (output.promqlCache && checkedPromql.added.length) writePromqlCache(output.promqlCache);
    return 0;
  } catch (e) {
    progressLine?.clear();
    const known = isUserError(e);
    const message = known
      ? e.message
      : isErrno(e)
        ? `${e.path ?? 'a file'}: ${e.syscall ?? 'file system'} failed: ${errnoText(e)}`
        : `internal error, please report it with the fleet file that caused it:\n${(e as Error)?.stack ?? String(e)}`;
    const closing = outcome(progress, target ? shown(target) : outArg || '(empty)', storeDir ? shown(storeDir) : undefined);
    warn(message);
    warn(closing);
    if (linkRemoved && target && fs.existsSync(target))
      warn(`(cdk8s synth removed its link ${env.CDK8S_OUTDIR} before promfleet ran; it points to ${shown(target)}/ again)`);
    if (output.json) printJson({ ok: false, error: `${message}\n${closing}`, ...(withheld ? { withheld } : {}) });
    return 1;
  } finally {
    for (const lock of locks.reverse()) lock.release();
    if (target) relinkCdk8sOutdir(env.CDK8S_OUTDIR, target, warn);
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

/** The hashes of a PromQL cache file; none when it is missing or unreadable (it is only a cache). */
function readPromqlCache(file: string): string[] {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { valid?: unknown };
    return Array.isArray(data.valid) ? data.valid.filter((h): h is string => typeof h === 'string') : [];
  } catch {
    return [];
  }
}

/** Writes every expression this process knows to be valid, beside the bundle; a failure only loses the cache. */
function writePromqlCache(file: string): void {
  try {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ valid: [...checkedPromql.hashes].sort() }));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only installation: the next synth parses again.
  }
}

function printJson(report: SynthReport): void {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/**
 * `rendering clusters: 37/100` (or `making keys: 12/201`) on stderr, rewritten in place, once the synth has
 * taken a second. Cleared before anything else is printed, so the summary reads as without it.
 */
class ProgressLine {
  private readonly started = Date.now();
  private shown = false;

  constructor(private readonly afterMs: number) {}

  /** The callback of one step: `label: done/total`. */
  track(label: string): (done: number, total: number) => void {
    return (done, total) => {
      if (Date.now() - this.started < this.afterMs) return;
      this.shown = true;
      process.stderr.write(`\r\x1b[Kpromfleet: ${label}: ${done}/${total}`);
    };
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
