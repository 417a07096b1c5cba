import type { Role } from '../src/contract/roles.js';
import { html, type SafeHtml } from './html.js';

export interface ApiKeyListItem {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  organizationName: string;
  expiresAt: string;
  lastUsedAt: string;
}

export interface ApiKeysView {
  keys: ApiKeyListItem[];
  /** The organizations the user may create keys for, with the highest scope each allows. */
  organizations: Array<{ id: string; name: string; roles: Role[] }>;
  csrfToken: string;
  /** A key just created: shown this once, never again. */
  created?: { name: string; key: string } | undefined;
  error?: string | undefined;
  maxLifetimeDays: number;
}

/** Seed 000: "Edit Profile → REST API Keys → Create Key". */
export function renderApiKeys(view: ApiKeysView): SafeHtml {
  const created = view.created
    ? html`<div class="notice" role="status" id="new-api-key"><p><strong>${view.created.name}</strong> is ready. Copy the key now: it is shown only this once.</p>
<p><code id="new-api-key-value">${view.created.key}</code></p>
<p class="muted">Use it as the HTTP Basic username with an empty password (<code>curl -u KEY: …</code>) or as <code>Authorization: Bearer KEY</code>.</p></div>`
    : '';
  const error = view.error ? html`<p class="error" role="alert">${view.error}</p>` : '';
  const list =
    view.keys.length === 0
      ? html`<p>You have no API keys.</p>`
      : html`<table id="api-key-list">
<thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Organization</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
<tbody>${view.keys.map((key) => html`<tr data-key="${key.id}">
<td>${key.name}</td><td><code>${key.prefix}…</code></td><td>${key.scopes.join(' ')}</td><td>${key.organizationName}</td><td>${key.expiresAt}</td><td>${key.lastUsedAt}</td>
<td><form class="inline" method="post" action="/account/api-keys/${key.id}/revoke"><input type="hidden" name="csrf" value="${view.csrfToken}"><button type="submit" class="secondary">Revoke</button></form></td>
</tr>`)}</tbody></table>`;
  const roles = [...new Set(view.organizations.flatMap((o) => o.roles))];
  const form =
    view.organizations.length === 0
      ? html`<p class="muted">You are not a member of any organization, so you cannot create keys.</p>`
      : html`<form method="post" action="/account/api-keys" id="create-api-key">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<label for="api-key-name">Name</label><input type="text" id="api-key-name" name="name" required maxlength="100" placeholder="CRM sync">
<label for="api-key-organization">Organization</label><select id="api-key-organization" name="organization">${view.organizations.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</select>
<label for="api-key-scope">Scope</label><select id="api-key-scope" name="scope">${roles.map((r) => html`<option value="${r}">${r}</option>`)}</select>
<label for="api-key-expires">Expires in</label><select id="api-key-expires" name="expires_days">${[30, 90, view.maxLifetimeDays].filter((d, i, all) => d <= view.maxLifetimeDays && all.indexOf(d) === i).map((d) => html`<option value="${d}">${d} days</option>`)}</select>
<button type="submit">Create Key</button>
</form>`;
  return html`${created}${error}${list}<h3>Create a key</h3>${form}`;
}
