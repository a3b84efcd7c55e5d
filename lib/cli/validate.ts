// `promfleet validate [path...]`: validates the rendered objects offline (see lib/validate/ and
// docs/operations.md, "Validating offline"). The report goes to stdout; usage errors to stderr.
import { parseArgs } from 'node:util';
import { formatFinding, KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS, validateTree, ValidateUsageError } from '../validate';

export const USAGE = `Usage: promfleet validate [options] [path...]

Validates every rendered object offline: kinds of the imported CRDs against the CRDs' schemas, core kinds
against the schemas of Kubernetes ${KUBERNETES_VERSION}. A field the schema does not define is reported: the
API server would prune it silently.

Arguments:
  path...                      folders (searched for *.yaml and *.yml) or files (default: dist)

Options:
  --kubernetes-version <x.y>   Kubernetes release of the core schemas (default: ${KUBERNETES_VERSION};
                               supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')})
  --json                       print the report as JSON
  --quiet                      print only the findings, no summary
  -h, --help                   print this help

Exit status: 0 every object is valid, 1 findings, 2 usage error (unknown option or release, missing path).
`;

export function main(args: string[]): Promise<number> {
  return Promise.resolve(run(args));
}

function run(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'kubernetes-version': { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`promfleet validate: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
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
