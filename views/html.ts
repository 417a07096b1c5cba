import { createHash } from 'node:crypto';
import { escapeHtml } from '../src/shared/html-escape.js';

export { escapeHtml };

/** A fragment of already-safe HTML; `html` only interpolates escaped values or other fragments. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:40px 16px}
main{max-width:420px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:28px}
main.wide{max-width:720px}h1{font-size:1.35em;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password],input[type=text],select{width:100%;box-sizing:border-box;padding:9px;border:1px solid #b8bfcc;border-radius:4px;font-size:1em}
button{margin-top:16px;padding:9px 16px;border:0;border-radius:4px;font-size:1em;cursor:pointer;background:#2458d3;color:#fff}
button.secondary{background:#e4e7ee;color:#1d2330}.error{background:#fde8e8;color:#8a1c1c;padding:10px;border-radius:4px}
.notice{background:#fff6db;padding:10px;border-radius:4px}ul.scopes li{margin:6px 0}table{width:100%;border-collapse:collapse}
td,th{text-align:left;padding:8px;border-bottom:1px solid #e4e7ee;vertical-align:top}.muted{color:#5c6577;font-size:.9em}
nav a{margin-right:12px}form.inline{display:inline}form.inline button{margin-top:0}`;

/** The Content-Security-Policy hash of the one inline stylesheet: no external resources at all. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function page(options: { title: string; body: SafeHtml; wide?: boolean }): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · Gatehouse</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main${new SafeHtml(options.wide ? ' class="wide"' : '')}>
${options.body}
</main>
</body>
</html>`.value;
}
