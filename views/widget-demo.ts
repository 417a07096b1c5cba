import { html, page } from './html.js';

// The widget's demo page (issue 14): a plain page that embeds the widget like any site would,
// or, without a client token, the steps that make one.

export interface WidgetDemoView {
  /** The widget's client token from the query, when it is well formed. */
  clientToken: string | undefined;
  /** Where the script is: the content-hashed URL. */
  scriptUrl: string;
  /** This Gatehouse's origin: the widget must allow it for the demo's visitor sessions. */
  origin: string;
}

export function renderWidgetDemo(view: WidgetDemoView): string {
  if (view.clientToken !== undefined) {
    return page({
      title: 'Widget demo',
      wide: true,
      body: html`<h1>Widget demo</h1>
<p>This page embeds the chat widget <code>${view.clientToken}</code> as a site would, with the snippet below. The chat opens at the bottom right.</p>
<pre id="embed-snippet">&lt;script src="${view.origin}/widget.js" data-client-token="${view.clientToken}" async&gt;&lt;/script&gt;</pre>
<p class="muted">The widget's <code>allowed_origins</code> must include <code>${view.origin}</code> for visitors to chat here.</p>
<script src="${view.scriptUrl}" data-client-token="${view.clientToken}" data-open="true" async></script>`,
    });
  }
  return page({
    title: 'Widget demo',
    wide: true,
    body: html`<h1>Widget demo</h1>
<p id="demo-help">Open this page with a widget's client token: <code>/widget/demo?client_token=wgt_…</code>.</p>
<form method="get" action="/widget/demo">
<label for="client_token">Client token</label>
<input type="text" id="client_token" name="client_token" placeholder="wgt_…" pattern="wgt_[A-Za-z0-9]+" required>
<button type="submit">Open the demo</button>
</form>
<h2>No widget yet?</h2>
<p>An admin creates one that allows this page's origin, <code>${view.origin}</code> (with the default admin of a local Gatehouse):</p>
<pre>B=${view.origin}
TOKEN=$(curl -s -X POST $B/v2/auth/token -H 'content-type: application/json' \\
  -d '{"email":"admin@localhost","password":"admin-password-1"}' | jq -r .token)
curl -s -X POST $B/v2/widgets -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
  -d '{"name":"Demo chat","allowed_origins":["${view.origin}"]}' | jq -r .data.client_token</pre>
<p class="muted">The guide <a href="/docs/guides/widget.md">The chat widget</a> tells the rest: embedding, Content-Security-Policy, behaviours.</p>`,
  });
}
