import { html, page } from './html.js';

// What each scope lets the app do, in plain words (issue 3: the consent page lists every scope).
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep access while you are not using the app',
  guest: 'Take part in your own conversations and send messages as you',
  agent: 'Work as an agent: conversations, tickets, contacts and the knowledge base',
  bot: 'Work as a bot: read and manage most of the organization’s data',
  admin: 'Administer the organization: users, settings, webhooks and everything else',
};

export interface ConsentView {
  action: string;
  csrfToken: string;
  clientName: string;
  userEmail: string;
  scopes: string[];
  /** The role asked for, when the user or client cannot have it. */
  downgrade?: { asked: string; granted: string };
  organizations: Array<{ id: string; name: string; role: string; selected: boolean }>;
}

export function renderConsent(view: ConsentView): string {
  const several = view.organizations.length > 1;
  return page({
    title: 'Authorize',
    body: html`<h1>${view.clientName} wants to access your account</h1>
<p class="muted">Signed in as ${view.userEmail}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
${several
  ? html`<label for="organization">Organization</label>
<select id="organization" name="organization">${view.organizations.map((o) => html`<option value="${o.id}"${o.selected ? html` selected` : ''}>${o.name} (${o.role})</option>`)}</select>`
  : html`<input type="hidden" name="organization" value="${view.organizations[0]?.id ?? ''}"><p>Organization: <strong>${view.organizations[0]?.name ?? ''}</strong></p>`}
<p>It will be able to:</p>
<ul class="scopes">${view.scopes.map((s) => html`<li data-scope="${s}">${SCOPE_DESCRIPTIONS[s] ?? s} <span class="muted">(${s})</span></li>`)}</ul>
${view.downgrade
  ? html`<p class="notice" data-downgrade="${view.downgrade.granted}">The app asked for <strong>${view.downgrade.asked}</strong> access; you can give it at most <strong>${view.downgrade.granted}</strong>${several ? ' in the chosen organization' : ''}.</p>`
  : ''}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  });
}
