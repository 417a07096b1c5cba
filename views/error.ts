import { html, page } from './html.js';

export function renderError(view: { error: string; description?: string; requestId?: string }): string {
  return page({
    title: 'Something went wrong',
    body: html`<h1>Something went wrong</h1>
<p class="error" role="alert"><strong data-error="${view.error}">${view.error}</strong>${view.description ? html`: ${view.description}` : ''}</p>
<p class="muted">You were not sent back to the application.${view.requestId ? html` Request id ${view.requestId}.` : ''}</p>`,
  });
}
