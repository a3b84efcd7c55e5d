// Tests make hundreds of RSA keys (every store they set up), and generating one costs ~100 ms of CPU.
// This setup file serves RSA-2048 keys from a pool made once into the git-ignored .build/ instead:
// each test file draws distinct keys from it in order, and falls back to real generation past its end.
// Only this process's key generation is affected; the synths tests start as child processes make their own.
import * as fs from 'fs';
import * as path from 'path';

type Crypto = typeof import('crypto');

const POOL_SIZE = 96;
const POOL_FILE = path.resolve(__dirname, '..', '..', '.build', `test-rsa-keys-${POOL_SIZE}.json`);

function loadPool(crypto: Crypto): string[] {
  try {
    const keys = JSON.parse(fs.readFileSync(POOL_FILE, 'utf8')) as string[];
    if (Array.isArray(keys) && keys.length === POOL_SIZE) return keys;
  } catch {
    // not made yet
  }
  const keys = Array.from({ length: POOL_SIZE }, () =>
    crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  fs.mkdirSync(path.dirname(POOL_FILE), { recursive: true });
  const tmp = `${POOL_FILE}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 });
  fs.renameSync(tmp, POOL_FILE);
  return keys;
}

jest.mock('crypto', () => {
  const actual = jest.requireActual<Crypto>('crypto');
  const pool = loadPool(actual);
  let next = 0;
  const pooled = (type: string, options: unknown) => {
    const o = options as { modulusLength?: number; publicKeyEncoding?: unknown; privateKeyEncoding?: unknown } | undefined;
    if (type !== 'rsa' || o?.modulusLength !== 2048 || o.publicKeyEncoding || o.privateKeyEncoding || next >= pool.length) return undefined;
    const privateKey = actual.createPrivateKey(pool[next++]);
    return { privateKey, publicKey: actual.createPublicKey(privateKey) };
  };
  return {
    ...actual,
    generateKeyPairSync: (type: string, options: unknown) =>
      pooled(type, options) ?? (actual.generateKeyPairSync as (t: string, o: unknown) => unknown)(type, options),
    generateKeyPair: (type: string, options: unknown, callback: (err: Error | null, publicKey: unknown, privateKey: unknown) => void) => {
      const pair = pooled(type, options);
      if (!pair) return (actual.generateKeyPair as (t: string, o: unknown, cb: typeof callback) => void)(type, options, callback);
      setImmediate(() => callback(null, pair.publicKey, pair.privateKey));
    },
  };
});
