// `promfleet validate [path...]`: validates the rendered objects offline (see lib/validate/ and
// docs/cli.md, "promfleet validate"). The report goes to stdout; usage errors to stderr.
import { parseCommand, type CommandSpec } from './command';
import { formatFinding, KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS, validateTree, ValidateUsageError } from '../validate';

const VALIDATE_FLAGS = {
  'kubernetes-version': {
    type: 'string',
    value: 'x.y',
    help: `the Kubernetes release of the core schemas (default: ${KUBERNETES_VERSION}; supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')})`,
  },
  json: { type: 'boolean', help: 'print the report as one JSON document' },
  quiet: { type: 'boolean', short: 'q', help: 'print only the findings, no summary' },
} as const;

export const VALIDATE: CommandSpec & { flags: typeof VALIDATE_FLAGS } = {
  name: 'validate',
  usage: '[--kubernetes-version <x.y>] [--json | --quiet] [path...]',
  about: `Validates every rendered object offline, in the folders (searched for *.yaml and *.yml) or files given (default:
dist): kinds of the imported CRDs against the CRDs' schemas, core kinds against the schemas of Kubernetes
${KUBERNETES_VERSION}. A field the schema does not define is reported: the API server would prune it silently. Exit 0
when every object is valid, 1 on findings, 2 on a usage error (unknown option or release, missing path).`,
  flags: VALIDATE_FLAGS,
  positionals: Infinity,
};

/** `promfleet validate`. */
export function main(args: string[]): Promise<number> {
  return Promise.resolve(run(args));
}

function run(args: string[]): number {
  const parsed = parseCommand(VALIDATE, args);
  if ('exit' in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  let report;
  try {
    report = validateTree(positionals.length ? positionals : ['dist'], { kubernetesVersion: values['kubernetes-version'] });
  } catch (e) {
    if (!(e instanceof ValidateUsageError)) throw e;
    process.stderr.write(`promfleet validate: ${e.message}\n`);
    return 2;
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    const lines = report.findings.map(formatFinding);
    if (!values.quiet) {
      const kinds = Object.keys(report.kinds).length;
      const summary = `${report.objects} objects of ${kinds} kinds checked against Kubernetes ${report.kubernetesVersion} and the imported CRDs`;
      lines.push(report.findings.length ? `${summary}: ${report.findings.length} findings` : `${summary}: all valid`);
    }
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  }
  return report.findings.length ? 1 : 0;
}
