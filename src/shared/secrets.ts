import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The root secret: `SECRET` from config, else a random one generated once into
 * `DATA_DIR/secret.key` (mode 0600). Every purpose gets its own key derived with HKDF, so one
 * leaked subkey exposes nothing else.
 */
export interface Secrets {
  derive(purpose: SecretPurpose, length?: number): Buffer;
}

export type SecretPurpose = 'identity-assertion' | 'api-key-hash' | 'visitor-secret-hash' | 'signing-key-encryption' | 'cookie' | 'csrf' | 'webhook-secret-encryption';

export function loadSecrets(options: { secret?: string | undefined; dataDir: string }): Secrets {
  const root = options.secret ? Buffer.from(options.secret, 'utf8') : readOrCreate(path.join(options.dataDir, 'secret.key'));
  return {
    derive(purpose, length = 32) {
      return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `gatehouse/${purpose}`, length));
    },
  };
}

function readOrCreate(file: string): Buffer {
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32);
  try {
    writeFileSync(file, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    throw err;
  }
}
