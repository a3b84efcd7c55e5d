// promfleet diff: renders the fleet in memory and compares it, object by object, with what is rendered
// already: dist/ in the working tree, or dist/ as a git ref holds it (--base, for a pull request's base).
// It writes neither dist/ nor the PKI store, and never shows a secret value.
import * as path from 'path';
import { sealingCertificateProblems } from '../delivery/sealed-secrets';
import { diffTrees, formatDiffMarkdown, formatDiffText, isSecretsFile, MissingFolderError, readTreeFromDir, readTreeFromGit, type RenderedTree } from '../diff';
import { FleetError } from '../fleet/errors';
import { loadFleetFromEnv } from '../fleet/load';
import { errnoText, isErrno } from '../io/errors';
import { ageIdentitiesFromEnv, PkiError, stagePki } from '../pki';
import { renderInMemory } from '../render';
import { type CommandSpec, envWithFlags, FLEET_FLAGS, isUserError, parseCommand } from './command';

/** The exit code of a diff that could not be made; 1 is "changed" with --exit-code. */
export const EXIT_TROUBLE = 2;

const DIFF_FLAGS = {
  fleet: FLEET_FLAGS.fleet,
  'pki-dir': FLEET_FLAGS['pki-dir'],
  out: { type: 'string', value: 'dir', env: 'PROMFLEET_OUT', help: 'the rendered folder to compare with (default: dist)' },
  base: { type: 'string', value: 'ref', help: 'compare with the folder as this git ref holds it (a branch, tag or commit), not the working tree' },
  markdown: { type: 'boolean', help: 'print Markdown for a pull request comment' },
  json: { type: 'boolean', help: 'print the comparison as one JSON document' },
  'exit-code': { type: 'boolean', help: 'exit 1 when something changed, 0 when nothing did' },
} as const;

export const DIFF: CommandSpec & { flags: typeof DIFF_FLAGS } = {
  name: 'diff',
  usage: '[--base <ref>] [--markdown | --json] [--exit-code] [--fleet <file>] [--out <dir>] [--pki-dir <dir>]',
  about: `Renders the fleet in memory and compares it with the rendered folder (dist/) of the working tree, or with
dist/ as a git ref holds it (--base origin/main: what a pull request changes). Prints, per cluster, the objects
added, removed, moved and changed, with the changed fields. Secrets are shown by name only, and the git-ignored
secrets/ folders are left out. Writes neither dist/ nor the PKI store. Exit 0, or with --exit-code 0 when nothing
changed and 1 when something did; 2 when the comparison could not be made.`,
  flags: DIFF_FLAGS,
};

/** `promfleet diff`. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseCommand(DIFF, args);
  if ('exit' in parsed) return parsed.exit;
  const { base, markdown, json } = parsed.values;
  const env = envWithFlags(process.env, DIFF.flags, parsed.values);
  try {
    const outArg = env.PROMFLEET_OUT || 'dist';
    const head = await renderForReview(env, path.resolve(outArg));
    const before = base ? baseTree(base, outArg) : readTreeFromDir(path.resolve(outArg));
    // The secrets/ folders are git-ignored: never part of a review, and a base ref never holds them.
    const diff = diffTrees(before, head, { ignore: isSecretsFile });
    const out = json
      ? `${JSON.stringify({ base: base ?? null, out: outArg, ...diff }, null, 2)}\n`
      : markdown
        ? formatDiffMarkdown(diff)
        : formatDiffText(diff);
    process.stdout.write(out);
    const changed = diff.groups.length > 0;
    return parsed.values['exit-code'] && changed ? 1 : 0;
  } catch (e) {
    const known = isUserError(e);
    const message = known || !isErrno(e) ? (e as Error).message : `${e.path ?? 'a file'}: ${errnoText(e)}`;
    process.stderr.write(`promfleet diff: ${message}\n`);
    return EXIT_TROUBLE;
  }
}

/**
 * The rendered folder as `ref` holds it; empty, with a note, where the ref has none yet (the pull request that
 * renders it first shows every object as added).
 */
function baseTree(ref: string, out: string): RenderedTree {
  try {
    return readTreeFromGit(ref, out, process.cwd());
  } catch (e) {
    if (!(e instanceof MissingFolderError)) throw e;
    process.stderr.write(`promfleet diff: ${e.message.replace(/; was it .*$/, '')}: compared with an empty folder\n`);
    return new Map();
  }
}

/**
 * The fleet rendered in memory with the store's certificates, as a synth into `target` would render it:
 * no certificate is issued and nothing is written.
 */
async function renderForReview(env: NodeJS.ProcessEnv, target: string): Promise<RenderedTree> {
  const fleet = loadFleetFromEnv(env);
  const sealing = sealingCertificateProblems(fleet);
  if (sealing.length) throw new FleetError(fleet.source, sealing);
  const pki = await stagePki(fleet, { issue: false, identities: ageIdentitiesFromEnv(env) });
  const sealed = fleet.clusters.filter((c) => c.sealedSecrets).map((c) => c.name);
  if (pki.withheld && sealed.length) {
    // The SealedSecrets of these clusters are sealed from the store's keys, and are committed: without them
    // the comparison would report them all as removed.
    throw new PkiError(
      fleet.pki.dir,
      `this store lacks ${pki.withheld.join(', ')}, which the committed SealedSecrets of ${sealed.join(', ')} are sealed from; run promfleet synth where the store is first, or give the age identity of an encrypted store (PROMFLEET_AGE_IDENTITY)`,
    );
  }
  const rendered = renderInMemory(fleet, target, pki);
  const tree = new Map<string, string>();
  for (const [rel, file] of rendered.files) if (rel.endsWith('.yaml')) tree.set(rel, file.data.toString('utf8'));
  return tree;
}
