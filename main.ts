// The cdk8s app (cdk8s.yaml): `cdk8s synth` runs it, and renders exactly what `promfleet synth` renders
// (lib/cli/synth.ts), configured by the same environment variables (FLEET, PROMFLEET_OUT, PROMFLEET_PKI_DIR...).
import { runSynth } from './lib/cli/synth';

export { inCi } from './lib/cli/synth';

export function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runSynth(env);
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
