/**
 * The one error type of Gatehouse. Everything a client may see is an AppError; translators turn
 * library errors into one, and the error middleware turns anything else into `server_error`.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_auth'
  | 'invalid_credentials'
  | 'invalid_refresh_token'
  | 'token_expired'
  | 'insufficient_scope'
  | 'forbidden'
  | 'origin_not_allowed'
  | 'first_party_required'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'invalid_transition'
  | 'assignee_required'
  | 'validation_failed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'service_unavailable'
  | 'database_unavailable'
  | 'server_error';

/** The status each code answers with unless an error says otherwise; the OpenAPI document lists these codes. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_auth: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  token_expired: 403,
  insufficient_scope: 403,
  forbidden: 403,
  origin_not_allowed: 403,
  first_party_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  invalid_transition: 409,
  assignee_required: 409,
  validation_failed: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  service_unavailable: 503,
  database_unavailable: 503,
  server_error: 500,
};

export interface AppErrorOptions {
  status?: number;
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  /** koa reads this: only AppErrors are meant for the client. */
  readonly expose = true;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export interface ErrorBody {
  ok: false;
  error: string;
  message: string;
  details?: unknown;
  request_id: string;
}

/** What a client sees for any thrown value. Unknown errors never leak their message. */
export function toErrorBody(err: unknown, requestId: string): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const appError = normaliseError(err);
  const body: ErrorBody = { ok: false, error: appError.code, message: appError.message, request_id: requestId };
  if (appError.details !== undefined) body.details = appError.details;
  return { status: appError.status, body, headers: appError.headers };
}

/**
 * koa and its body parsers throw http-errors (`status`, `expose`); map the common ones to our
 * codes so a malformed JSON body is a 400 `invalid_request`, not a 500.
 */
export function normaliseError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const candidate = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown } | null;
  const status = Number(candidate?.status ?? candidate?.statusCode);
  if (candidate && Number.isInteger(status) && status >= 400 && status < 500) {
    const message = candidate.expose === true && typeof candidate.message === 'string' ? candidate.message : 'The request was refused.';
    return new AppError(codeForStatus(status), message, { status, cause: err });
  }
  return new AppError('server_error', 'An unexpected error occurred.', { cause: err });
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401: return 'invalid_auth';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 422: return 'unprocessable';
    case 429: return 'rate_limited';
    default: return 'invalid_request';
  }
}
