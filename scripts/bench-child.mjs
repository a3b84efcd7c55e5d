// One measured process of `npm run bench`: runs the cdk8s app exactly as `cdk8s synth` does
// (scripts/app.mjs: the cached bundle of main.ts), or only prepares the PKI when
// PROMFLEET_BENCH_PKI_ONLY=1, then prints its own peak RSS as JSON on stdout.
import { loadTs } from './ts.mjs';

const code = process.env.PROMFLEET_BENCH_PKI_ONLY ? await loadTs('scripts/bench-entry.ts').pkiOnly() : await loadTs('main.ts').main();
process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
process.exitCode = code ?? 0;
