import { html, type SafeHtml } from './html.js';

export interface MailboxItem {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  status: string;
  createdAt: string;
}

/**
 * The local mailbox on the account page (issue 18): in development without MAIL_URL, the mails
 * Gatehouse would have sent, so an admin can follow an activation or reset link by hand.
 */
export function renderMailbox(view: { mails: MailboxItem[]; total: number }): SafeHtml {
  const intro = html`<p class="muted">No <code>MAIL_URL</code> is set, so mails wait here (and in <code>gatehouse mail list</code>). Shown in development only.</p>`;
  if (view.mails.length === 0) return html`${intro}<p>No mails yet.</p>`;
  return html`${intro}<ul id="mailbox">${view.mails.map((mail) => html`<li data-mail="${mail.id}"><details>
<summary><strong>${mail.subject}</strong> to ${mail.recipient} · ${mail.status} · ${mail.createdAt}</summary>
<pre>${mail.body}</pre></details></li>`)}</ul>
<p class="muted">The latest ${view.mails.length} of ${view.total}.</p>`;
}
