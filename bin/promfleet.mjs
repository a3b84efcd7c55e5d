#!/usr/bin/env node
// The promfleet command. Each subcommand is its own bundle (lib/cli/<command>.ts), so that a synth
// never loads what validate or diff need: in this repository it is bundled on the fly (and cached, see
// scripts/ts.mjs); in an installed package it was bundled when the package was packed (out/cli/).
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { bundleFileOf, loadBundle, loadTs } from '../scripts/ts.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The exit code of a command that failed for a reason of its own (a bug, a bundle that does not build): never 1 where 1 is an answer. */
const TROUBLE = { diff: 2, validate: 2 };

const COMMANDS = {
  synth: 'render every cluster of the fleet into dist/ (what cdk8s synth renders)',
  validate: 'validate rendered objects offline against the CRD and Kubernetes schemas',
  diff: 'compare a render of the fleet with dist/ (or a git ref), per cluster and object',
  pki: 'inspect the PKI store and rotate its CA',
  credential: "keep the Alertmanager receivers' credentials in the secret store",
};

const HELP = `usage: promfleet <command> [options]

Renders Prometheus Operator + Thanos manifests for a fleet of Kubernetes clusters from one fleet file.

Commands:
${Object.entries(COMMANDS)
  .map(([name, about]) => `  ${name.padEnd(Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2)}${about}`)
  .join('\n')}

promfleet <command> --help shows a command's options. promfleet --version prints the version.
`;

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write(HELP);
  process.exitCode = 2;
} else if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(HELP);
} else if (command === '--version' || command === '-v') {
  process.stdout.write(`${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`);
} else if (!Object.hasOwn(COMMANDS, command)) {
  process.stderr.write(`promfleet: unknown command ${JSON.stringify(command)}; the commands are ${Object.keys(COMMANDS).join(', ')} (promfleet --help)\n`);
  process.exitCode = 2;
} else {
  const source = path.join(ROOT, 'lib', 'cli', `${command}.ts`);
  const repository = fs.existsSync(source);
  const bundle = repository ? bundleFileOf(source) : path.join(ROOT, 'out', 'cli', `${command}.cjs`);
  try {
    const mod = repository ? loadTs(source) : loadBundle(bundle);
    // The bundle's path, beside which a command may keep what it learnt about it (see lib/cli/command.ts).
    process.exitCode = await mod.main(args, { bundle });
  } catch (e) {
    process.stderr.write(`promfleet ${command}: internal error, please report it with the command that caused it:\n${e?.stack ?? String(e)}\n`);
    process.exitCode = TROUBLE[command] ?? 1;
  }
}
