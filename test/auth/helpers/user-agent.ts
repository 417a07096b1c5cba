/**
 * A minimal browser for protocol tests: a cookie jar, manual redirects, and form submission from
 * the pages the server renders. Real pages, real cookies, real CSRF tokens; no shortcuts.
 */
export interface Step {
  status: number;
  url: string;
  location: string | undefined;
  body: string;
  headers: Headers;
}

export class UserAgent {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  async request(url: string, init: RequestInit = {}): Promise<Step> {
    const absolute = new URL(url, this.base).href;
    const res = await fetch(absolute, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: this.cookieHeader() },
    });
    this.remember(res);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, url: absolute, location: location ? new URL(location, absolute).href : undefined, body: await res.text(), headers: res.headers };
  }

  /** Follows redirects on our own server; stops at the first page or at a redirect elsewhere. */
  async follow(url: string, init: RequestInit = {}): Promise<Step> {
    let step = await this.request(url, init);
    for (let i = 0; i < 10 && step.location && new URL(step.location).origin === new URL(this.base).origin; i++) {
      step = await this.request(step.location);
    }
    return step;
  }

  /** Submits the page's form (first one with the given action prefix) with the values given. */
  async submit(page: Step, values: Record<string, string>, actionContains = '/interaction/'): Promise<Step> {
    const form = extractForm(page.body, actionContains);
    const body = new URLSearchParams({ ...form.fields, ...values });
    return this.request(form.action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

export function extractForm(html: string, actionContains: string): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const match = forms.find((f) => f[1]!.includes(actionContains));
  if (!match) throw new Error(`no form with action containing ${actionContains} in:\n${html.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const input of match[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[input[1]!] = decode(input[2]!);
  return { action: decode(match[1]!), fields };
}

const decode = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
