/** The languages mails are written in (domain/mail/messages.ts has one table per locale). */
export const MAIL_LOCALES = ['en', 'de'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];

export const isMailLocale = (value: string): value is MailLocale => (MAIL_LOCALES as readonly string[]).includes(value);

/** The first supported language of an `Accept-Language` header (RFC 9110 §12.5.4), by weight. */
export function localeFromAcceptLanguage(header: string | undefined): MailLocale | undefined {
  if (!header) return undefined;
  const ranked = header.split(',').slice(0, 20).map((part, index) => {
    const [tag = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    return { language: tag.trim().toLowerCase().split('-')[0]!, weight: q === undefined ? 1 : Number(q), index };
  });
  ranked.sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranked.find((r) => r.weight > 0 && isMailLocale(r.language))?.language as MailLocale | undefined;
}
