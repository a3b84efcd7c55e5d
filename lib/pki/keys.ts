// RSA keys come from Node's native crypto (OpenSSL), never from forge's JavaScript PRNG:
// generation runs on libuv's thread pool, so many keys are made concurrently.
import * as crypto from 'crypto';
import forge from 'node-forge';

export interface KeyPair {
  /** PKCS#8 PEM, as written to the store and into Secrets. */
  readonly privateKeyPem: string;
  readonly privateKey: crypto.KeyObject;
  /** forge's view of the public key, to put into a certificate. */
  readonly publicKey: forge.pki.PublicKey;
}

const RSA = { modulusLength: 2048, publicExponent: 0x10001 } as const;

function toPair(privateKey: crypto.KeyObject): KeyPair {
  const publicPem = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    publicKey: forge.pki.publicKeyFromPem(publicPem),
  };
}

/** `n` RSA-2048 key pairs, generated concurrently. */
export async function generateKeyPairs(n: number, onKey?: (done: number, total: number) => void): Promise<KeyPair[]> {
  let done = 0;
  const one = () =>
    new Promise<KeyPair>((resolve, reject) =>
      crypto.generateKeyPair('rsa', RSA, (err, _pub, priv) => {
        if (err) return reject(err);
        onKey?.(++done, n);
        resolve(toPair(priv));
      }),
    );
  return Promise.all(Array.from({ length: n }, one));
}

/** Same keys, one at a time on this thread: for callers that cannot await (test helpers). */
export function generateKeyPairsSync(n: number): KeyPair[] {
  return Array.from({ length: n }, () => toPair(crypto.generateKeyPairSync('rsa', RSA).privateKey));
}

// DER prefix of a DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * What forge's `cert.sign()` calls after hashing the to-be-signed part: an RSASSA-PKCS1-v1_5
 * signature of that SHA-256 digest, made by native crypto (forge's JavaScript RSA is ~20x slower).
 */
export function nativeSigner(key: crypto.KeyObject): forge.pki.rsa.PrivateKey {
  const signer: Pick<forge.pki.rsa.PrivateKey, 'sign'> = {
    sign(md) {
      if (typeof md === 'string' || md.algorithm !== 'sha256') throw new Error('promfleet signs with SHA-256 only');
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const sig = crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
      return sig.toString('binary');
    },
  };
  return signer as forge.pki.rsa.PrivateKey;
}
