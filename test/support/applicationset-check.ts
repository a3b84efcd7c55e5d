// The docs show an Argo CD ApplicationSet, a kind promfleet does not render, so cdk8s.yaml imports no CRD
// for it and `promfleet validate` has no schema for it: it is checked with @kubernetes-models/argo-cd,
// through the same unknown-field proxy as the core kinds. Run by esbuild (the package is ESM-only):
//   node scripts/ts.mjs test/support/applicationset-check.ts <file>   -> JSON list of problems on stdout
import * as fs from 'fs';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { loadAll } from 'js-yaml';
import type { SchemaError } from '../../lib/validate/problems';
import { validateWatchingReads } from '../../lib/validate/unread-fields';

function errors(data: unknown): SchemaError[] {
  try {
    (ApplicationSet.prototype as unknown as { validate(): void }).validate.call(data);
    return [];
  } catch (e) {
    return (e as { errors: SchemaError[] }).errors;
  }
}

export function main(args: string[]): number {
  const problems = loadAll(fs.readFileSync(args[0], 'utf8')).flatMap((obj) => validateWatchingReads(obj, errors));
  process.stdout.write(JSON.stringify(problems));
  return 0;
}
