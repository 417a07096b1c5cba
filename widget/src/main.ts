import { mountWidget } from './app.js';

// The embed: <script src="https://gatehouse.example/widget.js" data-client-token="wgt_…" async>.
// Gatehouse's address is the script's own origin unless `data-api` names another.
const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[data-client-token]');
const clientToken = script?.dataset.clientToken;

if (!script || !clientToken) {
  console.error('Gatehouse widget: add data-client-token="wgt_…" to the widget\'s <script> tag.');
} else {
  const base = (script.dataset.api ?? new URL(script.src, location.href).origin).replace(/\/+$/, '');
  const start = () => mountWidget({ base, clientToken, open: script.dataset.open === 'true' }).catch((err: unknown) => console.error('Gatehouse widget:', err));
  if (document.body) void start();
  else document.addEventListener('DOMContentLoaded', () => void start(), { once: true });
}
