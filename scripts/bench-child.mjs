// One measured process of `npm run bench`: renders (or only prepares the PKI, when
// PROMFLEET_BENCH_PKI_ONLY=1) and prints its own peak RSS as JSON on stdout.
import { createRequire } from 'module';

const entry = createRequire(import.meta.url)(process.argv[2]);
const code = process.env.PROMFLEET_BENCH_PKI_ONLY ? await entry.pkiOnly() : await entry.main();
process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
process.exitCode = code ?? 0;
