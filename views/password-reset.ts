import { html, page } from './html.js';

// "Forgot password?" (issue 18): asking for a link, the answer (the same for every address), and
// the page the link opens. Every value is escaped by `html`; every form carries its CSRF token.

export function renderPasswordResetRequest(view: { action: string; csrfToken: string; email?: string; error?: string }): string {
  return page({
    title: 'Reset your password',
    body: html`<h1>Reset your password</h1>
<p>Enter the email address you sign in with. If it belongs to an account, we mail it a link to choose a new password.</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<label for="email">Email</label>
<input id="email" type="email" name="email" value="${view.email ?? ''}" required autofocus autocomplete="username" maxlength="254">
<button type="submit">Send the link</button>
</form>
<p class="muted"><a href="/account">Back to sign-in</a></p>`,
  });
}

export function renderPasswordResetRequested(view: { message: string }): string {
  return page({
    title: 'Check your mail',
    body: html`<h1>Check your mail</h1>
<p class="notice" role="status">${view.message}</p>
<p>The link works once and for a short time. If no mail arrives, check the address and your spam folder, then ask again.</p>
<p><a href="/account">Back to sign-in</a></p>`,
  });
}

export function renderPasswordResetForm(view: { action: string; csrfToken: string; token: string; email: string; error?: string }): string {
  return page({
    title: 'Choose a new password',
    body: html`<h1>Choose a new password</h1>
<p>For ${view.email}. Choosing a new password signs the account out everywhere.</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<input type="hidden" name="token" value="${view.token}">
<input id="email" type="email" value="${view.email}" readonly autocomplete="username" hidden>
<label for="password">New password</label>
<input id="password" type="password" name="password" required minlength="12" maxlength="128" autocomplete="new-password">
<label for="password_confirm">Repeat the new password</label>
<input id="password_confirm" type="password" name="password_confirm" required minlength="12" maxlength="128" autocomplete="new-password">
<p class="muted">At least 12 characters; a common or leaked password is refused.</p>
<button type="submit">Set the new password</button>
</form>`,
  });
}
