import { html, page, type SafeHtml } from './html.js';

// Changing the email address (issue 18): the account page's form, and the page the link mailed to
// the new address opens. Every value is escaped by `html`; every form carries its CSRF token.

export function renderEmailSection(view: { email: string; action: string; csrfToken: string }): SafeHtml {
  return html`<p>You sign in as <strong>${view.email}</strong>. To use another address, enter it with your current password: we mail a link to the new address, and the change happens when you open it.</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<label for="new_email">New email address</label>
<input id="new_email" type="email" name="email" required maxlength="254" autocomplete="email">
<label for="current_password">Current password</label>
<input id="current_password" type="password" name="password" required autocomplete="current-password">
<button type="submit">Send the confirmation link</button>
</form>`;
}

export function renderEmailChangeConfirm(view: { action: string; csrfToken: string; token: string; oldEmail: string; newEmail: string }): string {
  return page({
    title: 'Confirm your new address',
    body: html`<h1>Confirm your new address</h1>
<p>The account ${view.oldEmail} will sign in as <strong>${view.newEmail}</strong> from now on.</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<input type="hidden" name="token" value="${view.token}">
<button type="submit">Use ${view.newEmail}</button>
</form>`,
  });
}
