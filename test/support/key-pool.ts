// Tests make hundreds of RSA keys (every store they set up), and generating one costs ~100 ms of CPU.
// This setup file serves RSA-2048 keys from a pool made once (key-pool-file.ts) instead: each test
// file draws distinct keys from it in order, and falls back to real generation past its end. Only this
// process's key generation is affected; the synths tests start as child processes make their own keys.

type Crypto = typeof import('crypto');

jest.mock('crypto', () => {
  const actual = jest.requireActual<Crypto>('crypto');
  const pool = jest.requireActual<typeof import('./key-pool-file')>('./key-pool-file').loadPool();
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
