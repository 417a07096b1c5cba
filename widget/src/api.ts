import type { Conversation, Message, PublicWidget, VisitorSession } from './types.js';

/** An answer of the API other than 2xx: its status and `error` code (`origin_not_allowed`, …). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface Envelope { ok?: boolean; data?: unknown; error?: string; message?: string }

/** The calls of one widget to Gatehouse (the gateway's public URL), JSON both ways. */
export class Api {
  constructor(readonly base: string, readonly clientToken: string) {}

  async request<T>(method: string, path: string, options: { token?: string | undefined; body?: unknown; keepalive?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method, headers, body: options.body === undefined ? null : JSON.stringify(options.body), keepalive: options.keepalive === true, credentials: 'omit',
    });
    const json = (await res.json().catch(() => ({}))) as Envelope;
    if (!res.ok) throw new ApiError(res.status, json.error ?? 'http_error', json.message ?? `HTTP ${res.status}`);
    return json.data as T;
  }

  get widgetPath(): string {
    return `/v2/widgets/${encodeURIComponent(this.clientToken)}`;
  }

  config(): Promise<PublicWidget> {
    return this.request('GET', this.widgetPath);
  }

  session(secret: string | undefined): Promise<VisitorSession> {
    return this.request('POST', `${this.widgetPath}/sessions`, { body: secret === undefined ? {} : { visitor_secret: secret } });
  }

  conversation(token: string, conversation: string): Promise<Conversation> {
    return this.request('GET', `/v2/conversations/${encodeURIComponent(conversation)}`, { token });
  }

  start(token: string, message: { content: unknown; client_message_id: string }): Promise<Conversation> {
    return this.request('POST', '/v2/conversations', { token, body: { message } });
  }

  post(token: string, conversation: string, body: Record<string, unknown>): Promise<Message> {
    return this.request('POST', `/v2/conversations/${encodeURIComponent(conversation)}/messages`, { token, body, keepalive: true });
  }

  rate(token: string, conversation: string, score: number, comment: string | null): Promise<unknown> {
    return this.request('POST', `/v2/conversations/${encodeURIComponent(conversation)}/rate`, { token, body: { score, comment } });
  }

  eventsUrl(conversation: string): string {
    return `${this.base}/v2/conversations/${encodeURIComponent(conversation)}/events`;
  }
}

/** A fresh id per send, kept across its retries, so a retried send posts once. */
export function clientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `w_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
