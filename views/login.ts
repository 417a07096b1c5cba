import { html, page } from './html.js';

export interface LoginView {
  action: string;
  csrfToken: string;
  clientName: string | undefined;
  email?: string;
  error?: string;
  notice?: string;
  /** "Forgot password?" (issue 18). */
  forgotPasswordUrl: string;
}

export function renderLogin(view: LoginView): string {
  return page({
    title: 'Sign in',
    body: html`<h1>Sign in${view.clientName ? html` to continue to ${view.clientName}` : ''}</h1>
${view.notice ? html`<p class="notice">${view.notice}</p>` : ''}
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}" autocomplete="on">
<input type="hidden" name="csrf" value="${view.csrfToken}">
<label for="email">Email</label>
<input id="email" type="email" name="email" value="${view.email ?? ''}" required autofocus autocomplete="username">
<label for="password">Password</label>
<input id="password" type="password" name="password" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p class="muted"><a href="${view.forgotPasswordUrl}">Forgot password?</a></p>`,
  });
}
