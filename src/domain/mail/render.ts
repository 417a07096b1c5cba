import type { MailPurpose } from '../../db/mails.js';
import { escapeHtml } from '../../shared/html-escape.js';
import type { MailLocale } from '../../shared/mail-locales.js';
import { de } from './messages-de.js';
import { en } from './messages-en.js';
import type { MailDocument, Messages, MessageContext, TemplateParams } from './templates.js';

/**
 * Turns a template into the mail that is stored and sent (issue 18): a plain-text part, whose
 * link stands alone on its line, and a simple HTML part with inline styles only: no image, font,
 * stylesheet or anything else fetched from elsewhere, so nothing tells a sender that it was read.
 */
const MESSAGES: Record<MailLocale, Messages> = { en, de };

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function renderMail<P extends MailPurpose>(purpose: P, params: TemplateParams[P], options: { locale: MailLocale; product: string }): RenderedMail {
  const messages = MESSAGES[options.locale];
  const time = new Intl.DateTimeFormat(messages.dateLocale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  const context: MessageContext = { product: options.product, when: (at) => `${time.format(at)} UTC` };
  const template = messages[purpose] as (params: TemplateParams[P], context: MessageContext) => MailDocument;
  const document = template(params, context);
  const footer = messages.footer(context);
  return { subject: document.subject, text: asText(document, footer), html: asHtml(document, footer, messages.copyLink, options) };
}

function asText(document: MailDocument, footer: string): string {
  const body = document.paragraphs.join('\n\n');
  const action = document.action ? `\n${document.action.url}` : '';
  return [`${body}${action}`, ...document.notes, `-- \n${footer}`].join('\n\n') + '\n';
}

const style = {
  body: 'margin:0;padding:24px 12px;background:#f4f5f7;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2330;font-size:15px;line-height:1.5',
  card: 'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:28px',
  product: 'margin:0 0 16px;font-size:18px;font-weight:600',
  button: 'display:inline-block;background:#2458d3;color:#ffffff;padding:10px 18px;border-radius:4px;text-decoration:none;font-weight:600',
  small: 'font-size:13px;color:#5c6577;word-break:break-all',
  footer: 'max-width:560px;margin:12px auto 0;font-size:12px;color:#5c6577',
};

function asHtml(document: MailDocument, footer: string, copyLink: string, options: { locale: MailLocale; product: string }): string {
  const p = (text: string, css = '') => `<p${css ? ` style="${css}"` : ''}>${escapeHtml(text)}</p>`;
  const action = document.action
    ? `<p><a href="${escapeHtml(document.action.url)}" style="${style.button}">${escapeHtml(document.action.label)}</a></p>\n`
      + `<p style="${style.small}">${escapeHtml(copyLink)}<br>${escapeHtml(document.action.url)}</p>`
    : '';
  return `<!DOCTYPE html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.subject)}</title>
</head>
<body style="${style.body}">
<div style="${style.card}">
${p(options.product, style.product)}
${document.paragraphs.map((text) => p(text)).join('\n')}
${action}
${document.notes.map((text) => p(text)).join('\n')}
</div>
${p(footer, style.footer)}
</body>
</html>
`;
}
