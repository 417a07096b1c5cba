import { html, page, type SafeHtml } from './html.js';

// Settings > Webhooks (issue 11): the endpoints of the organizations the viewer administers, and
// one endpoint's page with its secret (once), its settings, its delivery log and its actions.
// Every form carries the CSRF token; the only script is the same-origin copy button.

export interface WebhookListItem {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  counts: { pending: number; failing: number; delivered: number; failed: number };
  lastSuccessAt: string | null;
}

export interface WebhookOrganization {
  id: string;
  name: string;
  endpoints: WebhookListItem[];
}

export interface WebhookChoices {
  /** `*` first, then every event type. */
  events: readonly string[];
  authorTypes: readonly string[];
}

export const COPY_SCRIPT_PATH = '/account/webhooks/copy.js';

const hidden = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;
const button = (action: string, csrf: string, label: string, extra: SafeHtml | string = '', cls = 'secondary') =>
  html`<form class="inline" method="post" action="${action}">${hidden(csrf)}${extra}<button type="submit" class="${cls}">${label}</button></form>`;
const notice = (error: string | undefined, message: string | undefined) =>
  html`${error ? html`<p class="error" role="alert" id="webhook-error">${error}</p>` : ''}${message ? html`<p class="notice" role="status" id="webhook-notice">${message}</p>` : ''}`;

export function stateOf(item: Pick<WebhookListItem, 'enabled' | 'disabledReason'>): SafeHtml {
  return item.enabled ? html`<strong data-state="enabled">Enabled</strong>` : html`<strong data-state="disabled">Disabled</strong>${item.disabledReason ? html`: ${item.disabledReason}` : ''}`;
}

export function countsOf(item: Pick<WebhookListItem, 'counts' | 'lastSuccessAt'>): SafeHtml {
  const { counts } = item;
  return html`<span class="muted" data-counts>${counts.delivered} delivered · ${counts.pending} pending (${counts.failing} retrying) · ${counts.failed} failed · last success ${item.lastSuccessAt ?? 'never'}</span>`;
}

/** Checkboxes of the event types (and `*`), and of the author types for `message.created`. */
export function subscriptionFields(choices: WebhookChoices, chosen: { events: readonly string[]; authorTypes: readonly string[] | null }): SafeHtml {
  const box = (name: string, value: string, checked: boolean, label: string) =>
    html`<label class="check"><input type="checkbox" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  return html`<fieldset><legend>Events</legend>${choices.events.map((event) => box('events', event, chosen.events.includes(event), event === '*' ? 'Every event (*)' : event))}</fieldset>
<fieldset><legend>message.created only from (none checked: every author)</legend>${choices.authorTypes.map((type) => box('author_types', type, chosen.authorTypes?.includes(type) ?? false, type))}</fieldset>`;
}

export function renderWebhooksPage(view: { email: string; csrfToken: string; organizations: WebhookOrganization[]; choices: WebhookChoices; error?: string | undefined; message?: string | undefined }): string {
  const lists = view.organizations.map((organization) => html`<section data-organization="${organization.id}"><h2>${organization.name}</h2>
${organization.endpoints.length === 0 ? html`<p>No webhooks yet.</p>` : html`<table class="webhook-list">
<thead><tr><th>Endpoint</th><th>State</th><th>Deliveries</th></tr></thead>
<tbody>${organization.endpoints.map((item) => html`<tr data-webhook="${item.id}">
<td><a href="/account/webhooks/${item.id}"><code>${item.url}</code></a>${item.description ? html`<br><span class="muted">${item.description}</span>` : ''}<br><span class="muted">${item.events.join(', ')}</span></td>
<td>${stateOf(item)}</td><td>${countsOf(item)}</td></tr>`)}</tbody></table>`}</section>`);
  return page({
    title: 'Webhooks',
    wide: true,
    body: html`<h1>Webhooks</h1>
<p class="muted">Signed in as ${view.email} · <a href="/account">Your account</a> · Deliveries are signed (Standard Webhooks): verify them with the endpoint's secret.</p>
${notice(view.error, view.message)}${lists}
<h2>Add an endpoint</h2>
<form method="post" action="/account/webhooks" id="create-webhook">${hidden(view.csrfToken)}
<label for="webhook-organization">Organization</label><select id="webhook-organization" name="organization">${view.organizations.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</select>
<label for="webhook-url">URL</label><input type="text" id="webhook-url" name="url" required maxlength="2048" placeholder="https://example.com/hooks/gatehouse">
<label for="webhook-description">Description</label><input type="text" id="webhook-description" name="description" maxlength="500">
${subscriptionFields(view.choices, { events: [], authorTypes: null })}
<button type="submit">Add endpoint</button></form>`,
  });
}

export interface WebhookDeliveryItem {
  id: string;
  eventType: string;
  status: string;
  attempt: number;
  responseStatus: number | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
}

export interface WebhookPageView {
  csrfToken: string;
  organizationName: string;
  endpoint: WebhookListItem & { messageAuthorTypes: string[] | null; previousSecretExpiresAt: string | null };
  choices: WebhookChoices;
  deliveries: WebhookDeliveryItem[];
  /** A secret just created or rotated: shown this once. */
  secret?: string | undefined;
  error?: string | undefined;
  message?: string | undefined;
}

export function renderWebhookPage(view: WebhookPageView): string {
  const { endpoint, csrfToken } = view;
  const base = `/account/webhooks/${endpoint.id}`;
  const secret = view.secret
    ? html`<div class="notice" role="status" id="new-webhook-secret"><p>The signing secret: copy it now, it is shown only this once.</p>
<p><code id="webhook-secret-value">${view.secret}</code> <button type="button" class="secondary" data-copy="webhook-secret-value" hidden>Copy</button></p></div>`
    : '';
  const log = view.deliveries.length === 0
    ? html`<p id="delivery-log">No deliveries yet.</p>`
    : html`<table id="delivery-log"><thead><tr><th>Event</th><th>Status</th><th>Latest attempt</th><th>Created</th><th></th></tr></thead>
<tbody>${view.deliveries.map((d) => html`<tr data-delivery="${d.id}" data-status="${d.status}">
<td><a href="${base}/deliveries/${d.id}">${d.eventType}</a></td>
<td>${d.status}${d.nextAttemptAt ? html`<br><span class="muted">next ${d.nextAttemptAt}</span>` : ''}</td>
<td>${d.attempt === 0 ? 'none yet' : html`#${d.attempt}: ${d.responseStatus ?? 'no answer'} in ${d.durationMs ?? '?'} ms${d.error ? html`<br><span class="muted">${d.error}</span>` : ''}`}</td>
<td>${d.createdAt}</td><td>${button(`${base}/deliveries/${d.id}/replay`, csrfToken, 'Replay')}</td></tr>`)}</tbody></table>`;
  return page({
    title: 'Webhook',
    wide: true,
    body: html`<h1>Webhook</h1>
<p class="muted"><a href="/account/webhooks">All webhooks</a> · ${view.organizationName}</p>
${notice(view.error, view.message)}${secret}
<p><code id="webhook-url">${endpoint.url}</code></p>
<p id="webhook-state">${stateOf(endpoint)} · ${countsOf(endpoint)}</p>
${endpoint.previousSecretExpiresAt ? html`<p class="muted">The previous secret signs too until ${endpoint.previousSecretExpiresAt}.</p>` : ''}
<p>${endpoint.enabled
    ? button(`${base}/enabled`, csrfToken, 'Disable', html`<input type="hidden" name="enabled" value="false">`)
    : button(`${base}/enabled`, csrfToken, 'Enable', html`<input type="hidden" name="enabled" value="true">`)}
${button(`${base}/test`, csrfToken, 'Send test event', '', '')} ${button(`${base}/rotate-secret`, csrfToken, 'Rotate secret')}</p>
<h2>Delivery log</h2>
<p class="muted">The latest ${view.deliveries.length} deliveries, newest first.</p>
${log}
<form method="post" action="${base}/replay">${hidden(csrfToken)}<label for="replay-since">Replay every failed delivery of the last</label>
<select id="replay-since" name="hours"><option value="1">hour</option><option value="24" selected>day</option><option value="72">3 days</option><option value="168">week</option></select>
<button type="submit" class="secondary">Replay failed</button></form>
<h2>Settings</h2>
<form method="post" action="${base}/edit" id="edit-webhook">${hidden(csrfToken)}
<label for="edit-url">URL</label><input type="text" id="edit-url" name="url" required maxlength="2048" value="${endpoint.url}">
<label for="edit-description">Description</label><input type="text" id="edit-description" name="description" maxlength="500" value="${endpoint.description ?? ''}">
${subscriptionFields(view.choices, { events: endpoint.events, authorTypes: endpoint.messageAuthorTypes })}
<button type="submit">Save</button></form>
<h2>Delete</h2>${button(`${base}/delete`, csrfToken, 'Delete this endpoint and its log')}
<script src="${COPY_SCRIPT_PATH}"></script>`,
  });
}

/** The copy button: shown only where scripts run; selects the text when the clipboard is refused. */
export const COPY_SCRIPT = `for (const button of document.querySelectorAll('button[data-copy]')) {
  const target = document.getElementById(button.dataset.copy);
  if (!target) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(target.textContent);
      button.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(target);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      button.textContent = 'Selected: press Ctrl+C';
    }
  });
}
`;
