// The pool of RSA keys the tests draw from (see key-pool.ts): made once into the git-ignored .build/
// by jest's global setup (global-setup.ts), before the test files run side by side.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const POOL_SIZE = 96;
const POOL_FILE = path.resolve(__dirname, '..', '..', '.build', `test-rsa-keys-${POOL_SIZE}.json`);

/** The pooled keys (PKCS#8 PEM), or none if the pool was not made. */
export function loadPool(): string[] {
  try {
    const keys = JSON.parse(fs.readFileSync(POOL_FILE, 'utf8')) as string[];
    return Array.isArray(keys) && keys.length === POOL_SIZE ? keys : [];
  } catch {
    return [];
  }
}

/** Jest's global setup: makes the pool unless it exists. */
export default function makePool(): void {
  if (loadPool().length) return;
  const keys = Array.from({ length: POOL_SIZE }, () =>
    crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  fs.mkdirSync(path.dirname(POOL_FILE), { recursive: true });
  const tmp = `${POOL_FILE}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 });
  fs.renameSync(tmp, POOL_FILE);
}
