// The cold-PKI measurement of `npm run bench`: the app's PKI step alone (keys, CA, certificates).
import { loadFleetFromEnv } from '../lib/fleet/load';
import { preparePki } from '../lib/pki';

export async function pkiOnly(): Promise<number> {
  await preparePki(loadFleetFromEnv());
  return 0;
}
