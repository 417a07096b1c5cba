/**
 * The languages a caller reads, best first (seed 002: tags "localized"): an explicit `locale`
 * query parameter, then the `Accept-Language` header by descending q-value (RFC 9110 §12.5.4;
 * `q=0` means "not this one", `*` names nothing in particular). Lowercased.
 */
export function preferredLocales(locale: string | undefined, acceptLanguage: string | string[] | undefined): string[] {
  const out: string[] = [];
  if (locale) out.push(locale.toLowerCase());
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  if (!header) return out;
  const ranged: { tag: string; q: number; order: number }[] = [];
  // A header is at most a few hundred bytes in practice; a hostile one is cut, not parsed whole.
  header.slice(0, 1_024).split(',').forEach((part, order) => {
    const [rawTag, ...params] = part.trim().split(';');
    const tag = rawTag?.trim().toLowerCase() ?? '';
    if (!/^[a-z]{1,8}(-[a-z0-9]{1,8})*$/.test(tag)) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match) q = Math.min(1, Number(match[1]));
    }
    if (q > 0) ranged.push({ tag, q, order });
  });
  ranged.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranged) if (!out.includes(tag)) out.push(tag);
  return out;
}

/**
 * The label of a tag for `preferences`: for each language in turn, its exact label, else the
 * label of its primary subtag (`de-CH` reads `de`); the tag's name when none fits.
 */
export function localizedLabel(name: string, labels: Readonly<Record<string, string>>, preferences: readonly string[]): string {
  if (preferences.length === 0) return name;
  const byLocale = new Map(Object.entries(labels).map(([key, label]) => [key.toLowerCase(), label]));
  for (const preference of preferences) {
    const exact = byLocale.get(preference);
    if (exact !== undefined) return exact;
    const primary = byLocale.get(preference.split('-')[0]!);
    if (primary !== undefined) return primary;
  }
  return name;
}
