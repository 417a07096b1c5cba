import { AppError, type AppErrorOptions, type ErrorCode } from '../shared/errors.js';

/** Why authentication failed, for the `gateway_auth_failures_total` metric (never shown to clients). */
export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'token_in_query'
  | 'forbidden_header'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'claims'
  | 'expired'
  | 'revoked'
  | 'api_key_malformed'
  | 'api_key_unknown'
  | 'insufficient_scope';

export class AuthFailure extends AppError {
  readonly reason: AuthFailureReason;
  constructor(reason: AuthFailureReason, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(code, message, options);
    this.reason = reason;
  }
}

/** 401 for a credential that is there but not acceptable (RFC 6750 §3.1 `invalid_token`). */
export function invalidToken(reason: AuthFailureReason, message: string): AuthFailure {
  return new AuthFailure(reason, 'invalid_auth', message, {
    headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"` },
  });
}
