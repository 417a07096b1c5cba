import { html, page, type SafeHtml } from './html.js';

export interface AuthorizedApp {
  grantId: string;
  clientName: string;
  organizationName: string;
  scopes: string[];
  authorizedAt: string;
}

/** One section of the account page; other features (e.g. REST API keys) add their own. */
export interface AccountSection {
  id: string;
  title: string;
  body: SafeHtml;
}

export function renderAccount(view: { email: string; sections: AccountSection[]; notice?: string; logoutUrl: string }): string {
  return page({
    title: 'Your account',
    wide: true,
    body: html`<h1>Your account</h1>
<p class="muted">Signed in as ${view.email} · <a href="${view.logoutUrl}">Sign out</a></p>
<nav>${view.sections.map((s) => html`<a href="#${s.id}">${s.title}</a>`)}</nav>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${view.sections.map((s) => html`<section id="${s.id}"><h2>${s.title}</h2>${s.body}</section>`)}`,
  });
}

export function renderAuthorizedApps(view: { apps: AuthorizedApp[]; csrfToken: string; revokeAction: (grantId: string) => string }): SafeHtml {
  if (view.apps.length === 0) return html`<p>You have not authorized any apps.</p>`;
  return html`<table>
<thead><tr><th>App</th><th>Organization</th><th>Access</th><th>Since</th><th></th></tr></thead>
<tbody>${view.apps.map((app) => html`<tr data-grant="${app.grantId}">
<td>${app.clientName}</td><td>${app.organizationName}</td><td>${app.scopes.join(' ')}</td><td>${app.authorizedAt}</td>
<td><form class="inline" method="post" action="${view.revokeAction(app.grantId)}"><input type="hidden" name="csrf" value="${view.csrfToken}"><button type="submit">Revoke</button></form></td>
</tr>`)}</tbody></table>`;
}
