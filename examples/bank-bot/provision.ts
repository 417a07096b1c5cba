import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gatehouse, GatehouseError, signIn, type Gatehouse } from './gatehouse.js';

// Everything the bot needs from Gatehouse, made with the admin's credentials and kept in
// `<dataDir>/state.json`: run it again and it reuses what exists, repairs what drifted, and makes
// only what is missing. The two secrets Gatehouse shows once (the API key, the webhook's signing
// secret) live only in that file.

export interface BotState {
  organization_id: string;
  api_key: { id: string; key: string };
  webhook: { id: string; secret: string };
  widget_client_token: string;
}

export interface ProvisionOptions {
  gatehouseUrl: string;
  admin: { email: string; password: string } | { token: string };
  /** Where Gatehouse delivers events: `<bot>/webhooks`. */
  webhookUrl: string;
  /** The bot's `host:port`, for the organization's web-view hosts. */
  botHost: string;
  /** The origin the demo page is served from: the widget must allow it. */
  demoOrigin: string;
  dataDir: string;
}

const EVENTS = ['message.created', 'message.postback'];

export async function readState(dataDir: string): Promise<BotState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as BotState;
  } catch {
    return undefined;
  }
}

export async function provision(options: ProvisionOptions): Promise<BotState> {
  const token = 'token' in options.admin ? options.admin.token : await signIn(options.gatehouseUrl, options.admin.email, options.admin.password);
  const admin = gatehouse(options.gatehouseUrl, token);
  const saved = await readState(options.dataDir);

  const apiKey = await ensureApiKey(options.gatehouseUrl, admin, saved?.api_key);
  const organizationId = (await gatehouse(options.gatehouseUrl, apiKey.key).call<{ organization_id: string }>('GET', `/api-keys/${apiKey.id}`)).organization_id;
  await ensureWebviewHost(admin, organizationId, options.botHost);
  const webhook = await ensureWebhook(admin, options.webhookUrl, saved?.webhook);
  const widget = await ensureWidget(admin, options.demoOrigin);

  const state: BotState = { organization_id: organizationId, api_key: apiKey, webhook, widget_client_token: widget };
  await mkdir(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'state.json');
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return state;
}

/** The saved key while it still works; else a new key with the `bot` scope (its secret is shown once). */
async function ensureApiKey(baseUrl: string, admin: Gatehouse, saved: BotState['api_key'] | undefined): Promise<BotState['api_key']> {
  if (saved && (await works(gatehouse(baseUrl, saved.key), `/api-keys/${saved.id}`))) return saved;
  const created = await admin.call<{ id: string; key: string }>('POST', '/api-keys', { name: 'Freddy, the AG Bank bot', scopes: ['bot'] });
  return { id: created.id, key: created.key };
}

async function works(client: Gatehouse, probe: string): Promise<boolean> {
  try {
    await client.call('GET', probe);
    return true;
  } catch (err) {
    if (err instanceof GatehouseError && [401, 403, 404].includes(err.status)) return false;
    throw err;
  }
}

/** The web view (the card-details page) is served by the bot, so its host:port must be allowed. */
async function ensureWebviewHost(admin: Gatehouse, organizationId: string, botHost: string): Promise<void> {
  const organization = await admin.call<{ webview_hosts: string[] }>('GET', `/organizations/${organizationId}`);
  if (organization.webview_hosts.includes(botHost.toLowerCase())) return;
  await admin.call('PATCH', `/organizations/${organizationId}`, { webview_hosts: [...organization.webview_hosts, botHost] });
}

interface Endpoint { id: string; url: string; events: string[]; message_author_types: string[] | null; enabled: boolean }

/**
 * One endpoint at the bot's URL, for visitors' messages and postbacks. The secret is answered
 * only on creation and rotation: an endpoint found without a saved secret gets a new one.
 */
async function ensureWebhook(admin: Gatehouse, url: string, saved: BotState['webhook'] | undefined): Promise<BotState['webhook']> {
  const endpoints = await admin.call<Endpoint[]>('GET', '/webhooks?limit=100');
  const wanted = { url, events: EVENTS, message_author_types: ['visitor'], enabled: true };
  const known = endpoints.find((endpoint) => endpoint.id === saved?.id);
  if (known && saved) {
    const same = known.url === url && known.enabled && sameList(known.events, EVENTS) && sameList(known.message_author_types ?? [], ['visitor']);
    if (!same) await admin.call('PATCH', `/webhooks/${known.id}`, wanted);
    return saved;
  }
  const atUrl = endpoints.find((endpoint) => endpoint.url === url);
  if (atUrl) {
    await admin.call('PATCH', `/webhooks/${atUrl.id}`, wanted);
    const rotated = await admin.call<{ secret: string }>('POST', `/webhooks/${atUrl.id}/rotate-secret`);
    return { id: atUrl.id, secret: rotated.secret };
  }
  const created = await admin.call<{ id: string; secret: string }>('POST', '/webhooks', { ...wanted, description: 'Freddy, the AG Bank bot' });
  return { id: created.id, secret: created.secret };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((item) => b.includes(item));

/** A widget the demo page may embed: one that allows its origin, or a new one. */
async function ensureWidget(admin: Gatehouse, demoOrigin: string): Promise<string> {
  const widgets = await admin.call<{ client_token: string; allowed_origins: string[] }[]>('GET', '/widgets?limit=100');
  const usable = widgets.find((widget) => widget.allowed_origins.includes(demoOrigin));
  if (usable) return usable.client_token;
  const created = await admin.call<{ client_token: string }>('POST', '/widgets', {
    name: 'AG Bank', allowed_origins: [demoOrigin], config: { greeting: "Hi! I'm Freddy, AG Bank's assistant. Say hello to start." },
  });
  return created.client_token;
}
