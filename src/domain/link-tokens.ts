import { createHash, randomBytes } from 'node:crypto';

// The secrets of mailed links (invitation, account activation, password reset, email change): 256 random bits behind a prefix
// that names what they are; only a SHA-256 is stored (a fast hash is enough for a secret this long).

export const INVITATION_TOKEN_PREFIX = 'ghi_';
export const ACTIVATION_TOKEN_PREFIX = 'gha_';
export const PASSWORD_RESET_TOKEN_PREFIX = 'ghr_';
export const EMAIL_CHANGE_TOKEN_PREFIX = 'ghe_';

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newLinkToken(prefix: string): { token: string; hash: string } {
  const token = prefix + randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

/** Where the mailed links open: pages of the auth server (src/auth/onboarding), in its route table. */
export { ACTIVATION_PAGE, EMAIL_CHANGE_CONFIRM_PAGE, INVITATION_PAGE, PASSWORD_RESET_CONFIRM_PAGE, PASSWORD_RESET_PAGE } from '../contract/auth-routes.js';

export function linkTo(publicUrl: string, page: string, token: string): string {
  const url = new URL(page, publicUrl);
  url.searchParams.set('token', token);
  return url.href;
}
