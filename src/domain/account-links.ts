import type { AccountLinkRow } from '../db/account-links.js';
import { AppError } from '../shared/errors.js';

/**
 * Why a mailed single-use link (password reset, email change) no longer works, said once for both
 * pages and the API: `details.reason` is one of `invalid`, `used`, `superseded`, `expired`, and
 * `stale` (what the link was for changed since: the password, or the email address).
 */
export type LinkRefusal = 'invalid' | 'used' | 'superseded' | 'expired' | 'stale';

const STATUS: Record<LinkRefusal, 'not_found' | 'conflict' | 'unprocessable'> = {
  invalid: 'not_found', used: 'conflict', superseded: 'conflict', expired: 'unprocessable', stale: 'conflict',
};

export function linkRefused(reason: LinkRefusal, message: string): AppError {
  return new AppError(STATUS[reason], message, { details: { reason } });
}

/** The first reason the link cannot be used at `now`, or undefined. */
export function linkProblem(row: AccountLinkRow | undefined, now: number): LinkRefusal | undefined {
  if (!row) return 'invalid';
  if (row.used_at !== null) return 'used';
  if (row.superseded_at !== null) return 'superseded';
  if (row.expires_at.getTime() <= now) return 'expired';
  return undefined;
}
