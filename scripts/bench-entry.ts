// What `npm run bench` bundles and runs: the app itself, plus the PKI step alone.
import { loadFleetFile } from '../lib/fleet/load';
import { preparePki } from '../lib/pki';
export { main } from '../main';

export async function pkiOnly(): Promise<number> {
  await preparePki(loadFleetFile(process.env.FLEET ?? 'fleet.yaml'));
  return 0;
}
