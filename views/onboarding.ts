import { html, page } from './html.js';

// Pages of the mailed links (issue 17): activating an account made for you, and accepting an
// invitation. Every value is escaped by `html`; every form carries its CSRF token.

export interface NewPasswordForm {
  action: string;
  csrfToken: string;
  token: string;
  email: string;
  name: string;
  error?: string;
}

function newPasswordFields(view: NewPasswordForm, submit: string) {
  return html`${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<input type="hidden" name="token" value="${view.token}">
<input type="hidden" name="mode" value="new_account">
<label for="email">Email</label>
<input id="email" type="email" value="${view.email}" readonly autocomplete="username">
<label for="name">Your name</label>
<input id="name" type="text" name="name" value="${view.name}" maxlength="200" autocomplete="name">
<label for="password">Choose a password</label>
<input id="password" type="password" name="password" required minlength="12" maxlength="128" autocomplete="new-password">
<label for="password_confirm">Repeat the password</label>
<input id="password_confirm" type="password" name="password_confirm" required minlength="12" maxlength="128" autocomplete="new-password">
<button type="submit">${submit}</button>
</form>`;
}

export function renderActivate(view: NewPasswordForm & { organizationName?: string }): string {
  return page({
    title: 'Activate your account',
    body: html`<h1>Activate your account</h1>
<p>Choose the password you will sign in with. Until you do, nobody can sign in to this account.</p>
${newPasswordFields(view, 'Activate account')}`,
  });
}

export function renderInvitationNewAccount(view: NewPasswordForm & { organizationName: string; role: string }): string {
  return page({
    title: 'Accept the invitation',
    body: html`<h1>Join ${view.organizationName}</h1>
<p>You are invited as <strong>${view.role}</strong>. Choose your name and password to create your account and join.</p>
${newPasswordFields(view, 'Create account and join')}`,
  });
}

export function renderInvitationSignIn(view: { email: string; organizationName: string; role: string; signInUrl: string }): string {
  return page({
    title: 'Accept the invitation',
    body: html`<h1>Join ${view.organizationName}</h1>
<p>You are invited as <strong>${view.role}</strong>. ${view.email} already has an account: sign in to it to accept.</p>
<p><a href="${view.signInUrl}">Sign in as ${view.email}</a></p>`,
  });
}

export function renderInvitationConfirm(view: { action: string; csrfToken: string; token: string; email: string; organizationName: string; role: string }): string {
  return page({
    title: 'Accept the invitation',
    body: html`<h1>Join ${view.organizationName}</h1>
<p>Signed in as ${view.email}. Accept the invitation to join ${view.organizationName} as <strong>${view.role}</strong>?</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<input type="hidden" name="token" value="${view.token}">
<input type="hidden" name="mode" value="signed_in">
<button type="submit">Accept and join</button>
</form>`,
  });
}

export function renderInvitationWrongAccount(view: { signedInAs: string; email: string; signOutUrl: string; signInUrl: string }): string {
  return page({
    title: 'Wrong account',
    body: html`<h1>This invitation is for another account</h1>
<p class="error" role="alert" data-error="wrong_account">This invitation is for ${view.email}, but you are signed in as ${view.signedInAs}. It cannot be accepted for ${view.signedInAs}.</p>
<p><a href="${view.signInUrl}">Sign in as ${view.email}</a> · <a href="${view.signOutUrl}">Sign out</a></p>`,
  });
}

export function renderOnboardingDone(view: { title: string; message: string; next: { href: string; label: string } }): string {
  return page({
    title: view.title,
    body: html`<h1>${view.title}</h1>
<p class="notice" role="status">${view.message}</p>
<p><a href="${view.next.href}">${view.next.label}</a></p>`,
  });
}
