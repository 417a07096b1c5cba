import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { answer, type WebhookEvent } from './freddy.js';
import { gatehouse } from './gatehouse.js';
import { provision, readState, type BotState } from './provision.js';
import { cardForm, checkCard, donePage, gonePage } from './statement-page.js';

// Freddy's HTTP server: Gatehouse's webhooks in, the card-details page out. Answers go back
// through Gatehouse's API with the bot's key.

export interface BankBotOptions {
  /** The Gatehouse gateway, e.g. http://localhost:8080. */
  gatehouseUrl: string;
  /** 0 picks a free port. Default 4000. */
  port?: number;
  /** The address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Where the admin's credentials come from; without them the saved state (an earlier setup) is used. */
  admin?: { email: string; password: string } | { token: string };
  /** Where state.json (the bot's key and webhook secret) is kept. Default examples/bank-bot/.data. */
  dataDir?: string;
  /** The origin of the page that embeds the widget. Default: Gatehouse's origin (its demo page). */
  demoOrigin?: string;
  log?: (line: string) => void;
}

export interface BankBot {
  /** The bot's own base URL, e.g. http://127.0.0.1:4000. */
  url: string;
  state: BotState;
  /** The Gatehouse demo page with the bot's widget. */
  demoUrl: string;
  close(): Promise<void>;
}

const FORM_TTL_MS = 30 * 60_000;
const REMEMBERED_DELIVERIES = 10_000;

export async function startBankBot(options: BankBotOptions): Promise<BankBot> {
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ?? new URL('./.data', import.meta.url).pathname;
  const host = options.host ?? '127.0.0.1';
  const forms = new Map<string, { conversation: string; expires: number }>();
  const handled = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();
  let ready: { state: BotState; verifier: Webhook; freddy: Parameters<typeof answer>[0] } | undefined;

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: 'internal_error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4000, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', url);
    const form = /^\/statement\/([A-Za-z0-9_-]{22})$/.exec(pathname)?.[1];
    if (req.method === 'POST' && pathname === '/webhooks') return onWebhook(req, res);
    if (form && req.method === 'GET') return sendPage(res, forms.has(form) ? 200 : 410, forms.has(form) ? cardForm(pathname) : gonePage());
    if (form && req.method === 'POST') return onCardDetails(form, req, res);
    send(res, 404, 'application/json', JSON.stringify({ error: 'not_found' }));
  }

  async function onWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (!ready) return send(res, 503, 'application/json', JSON.stringify({ error: 'starting' }));
    let event: WebhookEvent;
    try {
      // Checks the signature over the raw body and refuses timestamps more than five minutes off.
      event = ready.verifier.verify(body, headersOf(req)) as WebhookEvent;
    } catch {
      return send(res, 401, 'application/json', JSON.stringify({ error: 'invalid_signature' }));
    }
    // At least once: the same webhook-id may come again; answer it 2xx without answering twice.
    const id = String(req.headers['webhook-id']);
    if (!handled.has(id)) {
      const work = inFlight.get(id) ?? answer(ready.freddy, event);
      inFlight.set(id, work);
      try {
        await work;
      } finally {
        inFlight.delete(id);
      }
      handled.add(id);
      if (handled.size > REMEMBERED_DELIVERIES) handled.delete(handled.values().next().value as string);
    }
    send(res, 200, 'application/json', JSON.stringify({ ok: true }));
  }

  async function onCardDetails(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = new URLSearchParams(await readBody(req));
    const form = forms.get(id);
    if (!form || form.expires < Date.now() || !ready) return sendPage(res, 410, gonePage());
    const card = checkCard(fields.get('card_number') ?? '', fields.get('expiry') ?? '');
    if ('problem' in card) return sendPage(res, 400, cardForm(`/statement/${id}`, card.problem));
    forms.delete(id);
    const last4 = card.digits.slice(-4);
    await ready.freddy.api.call('POST', `/conversations/${form.conversation}/messages`, {
      content: { type: 'text', text: `Thanks! Your statement for the card ending ${last4} is ready. Anything else I can help with?` },
      client_message_id: `statement-${id}`,
    });
    sendPage(res, 200, donePage(last4));
  }

  function statementPage(conversation: string): string {
    const id = randomBytes(16).toString('base64url');
    for (const [key, form] of forms) if (form.expires < Date.now()) forms.delete(key);
    forms.set(id, { conversation, expires: Date.now() + FORM_TTL_MS });
    return `${url}/statement/${id}`;
  }

  const demoOrigin = options.demoOrigin ?? new URL(options.gatehouseUrl).origin;
  const frameAncestors = [...new Set([new URL(options.gatehouseUrl).origin, demoOrigin])].join(' ');
  function sendPage(res: ServerResponse, status: number, html: string): void {
    // The page may be framed only by the widget's pages, and loads nothing from anywhere.
    res.setHeader('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors ${frameAncestors}`);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    send(res, status, 'text/html; charset=utf-8', html);
  }

  try {
    const state = options.admin
      ? await provision({ gatehouseUrl: options.gatehouseUrl, admin: options.admin, webhookUrl: `${url}/webhooks`, botHost: new URL(url).host, demoOrigin, dataDir })
      : await readState(dataDir);
    if (!state) throw new Error(`no saved setup in ${dataDir}: start once with the admin's credentials`);
    ready = { state, verifier: new Webhook(state.webhook.secret), freddy: { api: gatehouse(options.gatehouseUrl, state.api_key.key), statementPage } };
    const demoUrl = `${options.gatehouseUrl}/widget/demo?client_token=${state.widget_client_token}`;
    log(`Freddy listens on ${url}; demo page: ${demoUrl}`);
    return { url, state, demoUrl, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
  } catch (err) {
    server.close();
    throw err;
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') out[name] = value;
  return out;
}

async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
