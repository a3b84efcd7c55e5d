// The cdk8s app (cdk8s.yaml): renders the fleet with main.ts, bundled on the fly.
import { loadTs } from './ts.mjs';

process.exitCode = await loadTs('main.ts').main();
