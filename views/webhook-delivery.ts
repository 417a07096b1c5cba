import { html, page } from './html.js';

export interface WebhookAttemptItem {
  attempt: number;
  startedAt: string;
  durationMs: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
}

/** One delivery of the log (issue 11): its payload as delivered, and every attempt. */
export function renderWebhookDeliveryPage(view: {
  csrfToken: string;
  endpointId: string;
  delivery: { id: string; eventId: string; eventType: string; status: string; createdAt: string; payload: string };
  attempts: WebhookAttemptItem[];
}): string {
  const { delivery } = view;
  const base = `/account/webhooks/${view.endpointId}`;
  return page({
    title: 'Webhook delivery',
    wide: true,
    body: html`<h1>Delivery of ${delivery.eventType}</h1>
<p class="muted"><a href="${base}">Back to the webhook</a> · webhook-id <code>${delivery.eventId}</code> · created ${delivery.createdAt}</p>
<p id="delivery-status" data-status="${delivery.status}">Status: <strong>${delivery.status}</strong></p>
<form class="inline" method="post" action="${base}/deliveries/${delivery.id}/replay"><input type="hidden" name="csrf" value="${view.csrfToken}"><button type="submit">Replay</button></form>
<h2>Attempts</h2>
${view.attempts.length === 0 ? html`<p>No attempt yet.</p>` : html`<table id="attempts"><thead><tr><th>#</th><th>Started</th><th>Duration</th><th>Status</th><th>Answer or error</th></tr></thead>
<tbody>${view.attempts.map((a) => html`<tr><td>${a.attempt}</td><td>${a.startedAt}</td><td>${a.durationMs} ms</td><td>${a.responseStatus ?? '—'}</td>
<td>${a.error ? html`<strong>${a.error}</strong>` : ''}${a.responseBody ? html`<pre>${a.responseBody}</pre>` : ''}</td></tr>`)}</tbody></table>`}
<h2>Payload</h2><pre id="delivery-payload">${delivery.payload}</pre>`,
  });
}
