import { html, page, SafeHtml } from './html.js';

/** `form` is the provider's own hidden form (it carries the logout xsrf value); we add the buttons. */
export function renderLogoutConfirm(view: { form: string; clientName?: string }): string {
  return page({
    title: 'Sign out',
    body: html`<h1>Sign out${view.clientName ? html` of ${view.clientName}` : ''}?</h1>
${new SafeHtml(view.form)}
<p>You will be signed out of Gatehouse in this browser.</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  });
}

export function renderLoggedOut(view: { clientName?: string }): string {
  return page({
    title: 'Signed out',
    body: html`<h1>You are signed out</h1><p>${view.clientName ? html`Your session with ${view.clientName} has ended.` : 'Your session has ended.'}</p>`,
  });
}
