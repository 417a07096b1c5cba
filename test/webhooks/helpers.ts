import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, sealWebhookSecret } from '../../src/domain/webhook-secrets.js';
import type { Secrets } from '../../src/shared/secrets.js';

// What the webhook tests share: endpoints inserted as the webhooks API stores them, and a loopback
// receiver that records (and can hold or refuse) every delivery.

export interface Endpoint {
  id: string;
  secret: string;
}

export interface EndpointOptions {
  url: string;
  events?: string[];
  messageAuthorTypes?: string[] | null;
  maxConcurrency?: number;
  /** Rotated: the old secret still signs until `previousExpiresAt`. */
  previous?: { secret: string; expiresAt: Date };
}

/** An endpoint row with a fresh sealed secret (the API's `POST /v2/webhooks` stores the same). */
export async function addEndpoint(knex: Knex, secrets: Secrets, organizationId: string, options: EndpointOptions): Promise<Endpoint> {
  const id = randomUUID();
  const secret = generateWebhookSecret();
  await knex('webhook_endpoints').insert({
    id, organization_id: organizationId, url: options.url,
    events: JSON.stringify(options.events ?? ['*']),
    message_author_types: options.messageAuthorTypes ? JSON.stringify(options.messageAuthorTypes) : null,
    secret: sealWebhookSecret(secrets, id, secret),
    max_concurrency: options.maxConcurrency ?? 4,
    ...(options.previous ? {
      previous_secret: sealWebhookSecret(secrets, id, options.previous.secret), previous_secret_expires_at: options.previous.expiresAt,
    } : {}),
  });
  return { id, secret };
}

export interface Received {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  envelope: { id: string; type: string; organization_id: string; sequence?: number; data: Record<string, unknown> } & Record<string, unknown>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides each answer; may hold it (a promise) to keep a delivery in flight. */
export type Responder = (received: Received) => Answer | Promise<Answer>;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** TCP connections accepted, whatever happened on them. */
  readonly connections: number;
  respond(responder: Responder): void;
  /** Resolves once `count` deliveries have arrived in all. */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const received: Received[] = [];
  let responder: Responder = () => ({ status: 204 });
  let connections = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Received = {
        path: req.url ?? '/', id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']), body, headers: req.headers, envelope: JSON.parse(body) as Received['envelope'],
      };
      received.push(entry);
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
      void Promise.resolve(responder(entry)).then((answer) => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    received,
    get connections() { return connections; },
    respond(next) { responder = next; },
    waitFor(count) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(received) }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies a delivery as a receiver would, with the `standardwebhooks` package; the envelope or a throw. */
export function verify(secret: string, delivery: Received): unknown {
  return new Webhook(secret).verify(delivery.body, {
    'webhook-id': delivery.id, 'webhook-timestamp': delivery.timestamp, 'webhook-signature': delivery.signature,
  });
}
