/** A JSON request to the gateway; returns status, headers and the parsed body. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; basic?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> & { data?: unknown } }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.basic !== undefined) headers.authorization = `Basic ${Buffer.from(`${options.basic}:`).toString('base64')}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, headers: res.headers, body: await answerOf(res) };
}

/**
 * The parsed body of an answer: its JSON, `{}` for none, `{_text}` for anything else. A live
 * stream (Server-Sent Events) never ends by itself: its answer is that it opened.
 */
export async function answerOf(res: Response): Promise<Record<string, unknown>> {
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { ok: true, stream: true };
  }
  const text = await res.text();
  try {
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return { _text: text };
  }
}

/** Decodes a JWT's header and payload without verifying it (tests verify separately). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}
