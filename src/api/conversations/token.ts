import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A conversation's public token (seed 002 addresses conversations by it): `cnv_` and 24
 * uniformly random letters or digits (≈143 bits), so a token cannot be guessed or enumerated.
 */
export function newConversationToken(): string {
  let body = '';
  while (body.length < 24) {
    // Rejection sampling keeps every character uniform (62 does not divide 256).
    for (const byte of randomBytes(32)) if (byte < 248 && body.length < 24) body += alphabet[byte % 62];
  }
  return `cnv_${body}`;
}
