// The CI examples of docs/cli.md ("In a pull request") run as written, in a scratch repository: an origin
// with a base branch, and merge request branches cloned fresh as a CI runner would (no PKI store, no
// node_modules but promfleet). Only the steps that need GitHub or the registry are skipped.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { preparePki } from '../lib/pki';
import { installPromfleet } from './support/cli';
import { codeBlocks } from './support/docs';
import { ROOT, tmpDir } from './support/fleet';
import { fleetWithStore } from './support/pki';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
}

const blocks = codeBlocks('docs/cli.md').filter((b) => b.lang === 'yaml');
const github = parse(blocks.find((b) => b.text.includes('jobs:'))?.text ?? '') as { jobs: Record<string, { steps: Step[] }> };
const gitlab = parse(blocks.find((b) => b.text.includes('script:'))?.text ?? '') as Record<string, { script: string[] }>;

/** Steps a scratch repository cannot run: GitHub's actions, the install from the registry, the comment. */
const skipped = (run: string | undefined) => run === undefined || run === 'npm ci' || run.startsWith('gh pr comment');

let origin: string;
let scratch: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
  });

/** A fresh clone of `branch`, as a CI runner checks it out. */
function checkout(branch: string, ci: string): string {
  const dir = path.join(scratch, `${ci}-${branch}`);
  git(scratch, 'clone', '-q', '-b', branch, origin, dir);
  installPromfleet(dir);
  return dir;
}

/** Runs `commands` in order as the CI would (each with bash -e), stopping at the first failure. */
function runAll(dir: string, commands: string[], env: Record<string, string>): { command: string; status: number | null; output: string }[] {
  const results = [];
  for (const command of commands) {
    const r = spawnSync('bash', ['-e', '-c', command], { cwd: dir, encoding: 'utf8', timeout: 120000, env: { ...process.env, CI: 'true', ...env } });
    results.push({ command, status: r.status, output: `${r.stdout}${r.stderr}` });
    if (r.status !== 0) break;
  }
  return results;
}

beforeAll(async () => {
  scratch = tmpDir('promfleet-ci-');
  origin = path.join(scratch, 'origin.git');
  git(scratch, 'init', '-q', '--bare', origin);
  // The team's repository: the fleet file and dist/, rendered where the store is.
  const team = path.join(scratch, 'team');
  fs.mkdirSync(team);
  git(team, 'init', '-q');
  installPromfleet(team);
  const store = path.join(scratch, 'store');
  await preparePki(fleetWithStore(store));
  const synth = () =>
    execFileSync(path.join(team, 'node_modules', '.bin', 'promfleet'), ['synth', '--quiet', '--pki-dir', store], {
      cwd: team,
      env: { ...process.env, CI: '' },
    });
  fs.writeFileSync(path.join(team, '.gitignore'), 'node_modules/\n');
  fs.copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(team, 'fleet.yaml'));
  synth();
  git(team, 'add', '.');
  git(team, 'commit', '-q', '-m', 'monitoring');
  git(team, 'push', '-q', origin, 'main');
  const retention = (days: string) => {
    const doc = parseDocument(fs.readFileSync(path.join(team, 'fleet.yaml'), 'utf8'));
    doc.setIn(['defaults', 'prometheus', 'retention'], days);
    fs.writeFileSync(path.join(team, 'fleet.yaml'), doc.toString());
  };
  // A merge request that re-renders and commits dist/, and one that forgets to.
  git(team, 'checkout', '-q', '-b', 'rendered', 'main');
  retention('30d');
  synth();
  git(team, 'commit', '-q', '-am', 'retention 30d');
  git(team, 'push', '-q', origin, 'rendered');
  git(team, 'checkout', '-q', '-b', 'stale', 'main');
  retention('7d');
  git(team, 'commit', '-q', '-am', 'retention 7d, dist/ not rendered');
  git(team, 'push', '-q', origin, 'stale');
}, 120_000);

describe('the GitHub Actions example', () => {
  const steps = github.jobs?.review?.steps ?? [];
  const commands = steps.map((s) => s.run).filter((run): run is string => !skipped(run));

  it('renders, checks dist/, validates and summarizes; the steps left out are only those needing GitHub', () => {
    expect(steps.filter((s) => skipped(s.run)).map((s) => s.uses ?? s.run?.split(' ').slice(0, 3).join(' '))).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'npm ci',
      'gh pr comment',
    ]);
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'npx promfleet synth',
      'npx promfleet validate',
      'npx promfleet diff',
      // Last, so that a stale pull request still gets its comment.
      'git diff --exit-code',
    ]);
  });

  it('passes a pull request that commits its dist/, and writes the comment naming the change', () => {
    const dir = checkout('rendered', 'github');
    const results = runAll(dir, commands, { GITHUB_BASE_REF: 'main' });
    expect(results.map((r) => [r.command, r.status])).toEqual(commands.map((c) => [c, 0]));
    const comment = fs.readFileSync(path.join(dir, 'promfleet-diff.md'), 'utf8');
    expect(comment).toContain('`spec.retention`: `15d` → `30d`');
  });

  it('fails a pull request whose dist/ is stale, at the stale check, naming the files, after writing the comment', () => {
    const dir = checkout('stale', 'github');
    const results = runAll(dir, commands, { GITHUB_BASE_REF: 'main' });
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 1]);
    expect(results[3].output).toContain('workload-eu/20-prometheus.yaml');
    expect(fs.readFileSync(path.join(dir, 'promfleet-diff.md'), 'utf8')).toContain('`spec.retention`: `15d` → `7d`');
  });
});

describe('the GitLab CI example', () => {
  const script = Object.values(gitlab)[0]?.script ?? [];

  it('runs the same checks on a merge request, fetching the target branch', () => {
    const dir = checkout('rendered', 'gitlab');
    const commands = script.filter((c) => !skipped(c));
    expect(commands).toHaveLength(script.length - 1);
    const results = runAll(dir, commands, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' });
    expect(results.map((r) => [r.command, r.status])).toEqual(commands.map((c) => [c, 0]));
    expect(fs.readFileSync(path.join(dir, 'promfleet-diff.md'), 'utf8')).toContain('`spec.retention`: `15d` → `30d`');
  });
});
