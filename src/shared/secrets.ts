import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config/index.js';

/**
 * The root secret: `SECRET` from config, else a random one generated once into
 * `DATA_DIR/secret.key` (mode 0600). Every purpose gets its own key derived with HKDF, so one
 * leaked subkey exposes nothing else.
 *
 * During a rotation (docs/operating.md) a process holds two roots: the active one, which seals,
 * signs and hashes everything new, and the other one, still accepted when opening or verifying
 * until the grace period the database records ends.
 */
export interface Secrets {
  /** The active root's key for `purpose`: what this process seals, signs and hashes with. */
  derive(purpose: SecretPurpose, length?: number): Buffer;
  /** Keys a stored or received value may have been made with: the active one first, then the other while accepted. */
  accepted(purpose: SecretPurpose, length?: number): Buffer[];
}

export type SecretPurpose = 'identity-assertion' | 'api-key-hash' | 'visitor-secret-hash' | 'signing-key-encryption' | 'cookie' | 'csrf' | 'webhook-secret-encryption';

/** The secrets a process was configured with, before the database says which one is active. */
export interface ManagedSecrets extends Secrets {
  readonly configured: { secret: Buffer; previous?: Buffer };
  /** Which root is active, and until when (epoch ms; undefined: for as long as it runs) the other is accepted. */
  select(active: Buffer, other?: { root: Buffer; until?: number }): void;
}

export function deriveKey(root: Buffer, purpose: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `gatehouse/${purpose}`, length));
}

/**
 * What the database records of the root secret: an HMAC of a fixed label under a key derived for
 * this purpose alone. Equal roots give equal fingerprints; the fingerprint reveals nothing else.
 */
export function secretFingerprint(root: Buffer): string {
  return createHmac('sha256', deriveKey(root, 'installation-fingerprint')).update('gatehouse installation secret v1').digest('base64url');
}

export function loadSecrets(options: {
  secret?: string | undefined;
  previous?: string | undefined;
  dataDir: string;
  /** Set when the database is shared: a secret generated here would differ from the other processes'. */
  databaseUrl?: string | undefined;
  now?: () => number;
}): ManagedSecrets {
  const now = options.now ?? Date.now;
  const file = path.join(options.dataDir, 'secret.key');
  if (!options.secret && options.databaseUrl && !existsSync(file)) {
    throw new ConfigError(
      'SECRET is required when DATABASE_URL is set: every process of one installation must share one root secret, and a generated one would be this process\'s alone. ' +
      'Set SECRET to the value the other processes use (for a new installation: 32 or more random characters, e.g. `openssl rand -base64 32`).',
    );
  }
  const secret = options.secret ? Buffer.from(options.secret, 'utf8') : readOrCreate(file);
  const previous = options.previous ? Buffer.from(options.previous, 'utf8') : undefined;
  let active = secret;
  let other: { root: Buffer; until?: number } | undefined;
  const cache = new Map<string, Buffer>();
  const keyOf = (root: Buffer, purpose: SecretPurpose, length: number) => {
    const id = `${root === secret ? 's' : 'p'}/${purpose}/${length}`;
    let key = cache.get(id);
    if (!key) cache.set(id, (key = deriveKey(root, purpose, length)));
    return key;
  };
  return {
    configured: { secret, ...(previous ? { previous } : {}) },
    derive: (purpose, length = 32) => keyOf(active, purpose, length),
    accepted(purpose, length = 32) {
      const keys = [keyOf(active, purpose, length)];
      if (other && (other.until === undefined || now() < other.until)) keys.push(keyOf(other.root, purpose, length));
      return keys;
    },
    select(next, nextOther) {
      active = next;
      other = nextOther;
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
