// What every promfleet subcommand shares: its flags parsed with node's parseArgs, `--help`, usage
// errors (exit 2), and the environment its flags stand for.
import { parseArgs } from 'util';
import { FleetError } from '../fleet/errors';
import { EnvError, IoError } from '../io/errors';
import { OutputError } from '../output/ownership';
import { PkiError } from '../pki';

/** The exit code of a usage error (a wrong flag or argument): 1 is a failure of the work itself. */
export const EXIT_USAGE = 2;

/** One flag of a subcommand; `env` names the environment variable it is equivalent to. */
export interface Flag {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the help, for string flags. */
  readonly value?: string;
  readonly help: string;
  readonly env?: string;
}

/** A subcommand's description: its usage line, what it does, and its flags. */
export interface CommandSpec {
  readonly name: string;
  /** What follows `promfleet <name>` in the usage line. */
  readonly usage: string;
  /** A paragraph or two: what the command does and what it exits with. */
  readonly about: string;
  readonly flags: Readonly<Record<string, Flag>>;
  /** Positional arguments allowed: none, or up to this many (Infinity for a list). */
  readonly positionals?: number;
}

/** What bin/promfleet.mjs tells a command besides its arguments. */
export interface CommandContext {
  /** The command's bundle: a command may keep a cache of what it learnt about it beside it, as `<bundle>.<name>.json`. */
  readonly bundle?: string;
}

/** A cache file beside the command's bundle (removed whenever the bundle is rebuilt: see scripts/ts.mjs). */
export function cacheFileOf(context: CommandContext, name: string): string | undefined {
  return context.bundle ? context.bundle.replace(/\.cjs$/, `.${name}.json`) : undefined;
}

/** Flags shared by the commands that load the fleet. */
export const FLEET_FLAGS = {
  fleet: { type: 'string', value: 'file', env: 'FLEET', help: 'the fleet file (default: fleet.yaml)' },
  'pki-dir': { type: 'string', value: 'dir', env: 'PROMFLEET_PKI_DIR', help: "the PKI store (default: the fleet's pki.dir, .pki)" },
  'lock-timeout': {
    type: 'string',
    value: 'seconds',
    env: 'PROMFLEET_LOCK_TIMEOUT',
    help: 'how long to wait for another synth or pki command on the same store or output folder',
  },
} as const satisfies Record<string, Flag>;

/** Flags of the commands that print a summary. */
export const OUTPUT_FLAGS = {
  quiet: { type: 'boolean', short: 'q', help: 'print nothing but warnings and errors' },
  json: { type: 'boolean', help: 'print the summary as one JSON document on stdout (human lines are left out)' },
} as const satisfies Record<string, Flag>;

const HELP_FLAG: Flag = { type: 'boolean', short: 'h', help: 'show this help' };

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const flags = Object.entries({ ...spec.flags, help: HELP_FLAG });
  const left = (name: string, f: Flag) => `${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` <${f.value}>` : ''}`;
  const width = Math.max(...flags.map(([n, f]) => left(n, f).length)) + 2;
  const lines = flags.map(([n, f]) => `  ${left(n, f).padEnd(width)}${f.help}${f.env ? ` [env ${f.env}]` : ''}`);
  return `usage: promfleet ${spec.name} ${spec.usage}\n\n${spec.about}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** Parsed flags: string flags as strings, boolean ones as booleans, absent ones undefined. */
export type Values<F extends Record<string, Flag>> = { [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : string };

export type Parsed<F extends Record<string, Flag>> = { values: Values<F>; positionals: string[] } | { exit: number };

/**
 * Parses a command's arguments. `--help` prints the help on stdout; a wrong flag prints the error and
 * the usage line on stderr. Either way the caller returns `exit`.
 */
export function parseCommand<F extends Record<string, Flag>>(spec: CommandSpec & { flags: F }, args: string[]): Parsed<F> {
  const options = Object.fromEntries(
    Object.entries({ ...spec.flags, help: HELP_FLAG }).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    return usageError(spec, message.charAt(0).toLowerCase() + message.slice(1));
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(spec));
    return { exit: 0 };
  }
  if (parsed.positionals.length > (spec.positionals ?? 0))
    return usageError(spec, `unexpected argument ${JSON.stringify(parsed.positionals[spec.positionals ?? 0])}`);
  // Flags that ask for two different outputs.
  for (const [a, b] of [
    ['quiet', 'json'],
    ['markdown', 'json'],
  ]) {
    if (parsed.values[a] && parsed.values[b]) return usageError(spec, `--${a} and --${b} ask for two outputs; give one`);
  }
  const timeout = parsed.values['lock-timeout'];
  if (typeof timeout === 'string' && !(timeout.trim() !== '' && Number.isFinite(Number(timeout)) && Number(timeout) >= 0))
    return usageError(spec, `--lock-timeout takes a number of seconds, got ${JSON.stringify(timeout)}`);
  return { values: parsed.values as Values<F>, positionals: parsed.positionals };
}

/** Prints a usage error and returns the exit code for it. */
export function usageError(spec: CommandSpec, message: string): { exit: number } {
  process.stderr.write(`promfleet ${spec.name}: ${message}\nusage: promfleet ${spec.name} ${spec.usage}\n(promfleet ${spec.name} --help for more)\n`);
  return { exit: EXIT_USAGE };
}

/**
 * The environment a command runs with: the process's, with each flag given on the command line in
 * place of the variable it stands for (a flag wins over the variable).
 */
export function envWithFlags(env: NodeJS.ProcessEnv, flags: Readonly<Record<string, Flag>>, values: Record<string, unknown>): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [name, f] of Object.entries(flags)) {
    const v = values[name];
    if (f.env && typeof v === 'string') out[f.env] = v;
  }
  return out;
}

/**
 * An error about the user's input or machine, whose message names the field or file and the fix: the
 * command prints it and exits 1. Anything else is a bug, reported with its stack.
 */
export function isUserError(e: unknown): e is Error {
  return e instanceof FleetError || e instanceof PkiError || e instanceof OutputError || e instanceof IoError || e instanceof EnvError;
}
