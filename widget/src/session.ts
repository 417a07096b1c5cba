import { ApiError, type Api } from './api.js';

/**
 * The visitor's session: the resume secret and the current conversation live in the host site's
 * localStorage (per widget); the access token lives in memory only and is renewed with the secret
 * a minute before it expires, or at once when the API answers `token_expired`.
 */
interface Stored { secret?: string; conversation?: string }

export class Session {
  private token: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private opening: Promise<string> | undefined;
  private readonly key: string;

  constructor(private readonly api: Api) {
    this.key = `gatehouse-widget:${api.clientToken}`;
  }

  private read(): Stored {
    try {
      return JSON.parse(localStorage.getItem(this.key) ?? '{}') as Stored;
    } catch {
      return {};
    }
  }

  private write(change: Stored): void {
    try {
      localStorage.setItem(this.key, JSON.stringify({ ...this.read(), ...change }));
    } catch {
      // Storage refused (private mode, quota): the session lasts as long as the page.
    }
  }

  get conversation(): string | undefined {
    return this.read().conversation;
  }

  set conversation(token: string | undefined) {
    this.write({ conversation: token });
  }

  /** The current access token, opening or renewing the session when there is none. */
  async accessToken(): Promise<string> {
    return this.token ?? this.renew();
  }

  /** Opens (or resumes with the stored secret) a session; one request at a time. */
  renew(): Promise<string> {
    this.opening ??= this.open().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async open(): Promise<string> {
    const secret = this.read().secret;
    let session;
    try {
      session = await this.api.session(secret);
    } catch (err) {
      // A secret the server no longer knows (a deleted visitor): start over as a new visitor.
      if (!(err instanceof ApiError) || secret === undefined || err.code === 'origin_not_allowed' || err.status === 429) throw err;
      this.write({ secret: undefined, conversation: undefined });
      session = await this.api.session(undefined);
    }
    this.write({ secret: session.visitor_secret });
    this.token = session.access_token;
    clearTimeout(this.timer);
    const renewIn = Math.max(5, session.expires_in - 60) * 1000;
    this.timer = setTimeout(() => { this.token = undefined; this.renew().catch(() => {}); }, renewIn);
    return session.access_token;
  }

  /** Runs `call` with the access token; once more with a renewed one if it had expired. */
  async authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    try {
      return await call(await this.accessToken());
    } catch (err) {
      if (!(err instanceof ApiError) || !(err.code === 'token_expired' || err.status === 401)) throw err;
      this.token = undefined;
      return call(await this.renew());
    }
  }
}
