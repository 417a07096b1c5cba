import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM with a context string as additional data, so a ciphertext made for one purpose
// (a signing key, a client secret) cannot be swapped into another row and still decrypt.
const VERSION = 'v1';

export function encryptString(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens what any of `keys` sealed (during a root-secret rotation, the active key or the previous one). */
export function decryptWithAny(keys: readonly Buffer[], sealed: string, context: string): string {
  for (const key of keys.slice(0, -1)) {
    try {
      return decryptString(key, sealed, context);
    } catch {
      // Sealed with a later key of the list, or not at all: the last attempt reports.
    }
  }
  return decryptString(keys[keys.length - 1]!, sealed, context);
}

export function decryptString(key: Buffer, sealed: string, context: string): string {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || !iv || !body || !tag) throw new Error('unrecognised ciphertext format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
