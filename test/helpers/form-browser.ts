/**
 * A minimal user agent for driving the server's HTML sign-in pages from tests: a cookie jar,
 * redirects followed by hand (stopping at the app's redirect URI), and forms read from the HTML.
 * The same flow runs in real Chromium in test/identity/browser-sign-in.test.ts.
 */
export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly stopAt: (url: URL) => boolean) {}

  /** Follows redirects from `url`; returns the final page or the redirect that reached the app. */
  async open(url: string, init: RequestInit = {}): Promise<{ url: URL; status: number; html: string }> {
    let current = new URL(url);
    let request: RequestInit = init;
    for (let hop = 0; hop < 20; hop++) {
      if (this.stopAt(current)) return { url: current, status: 302, html: '' };
      const response = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: { ...(request.headers as Record<string, string>), cookie: this.cookieHeader() },
      });
      for (const header of response.headers.getSetCookie()) this.store(header);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current);
        request = {};
        continue;
      }
      return { url: current, status: response.status, html: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Submits the page's form whose action contains `actionPart`, with these fields added. */
  async submit(
    page: { url: URL; html: string },
    actionPart: string,
    fields: Record<string, string>,
  ): Promise<{ url: URL; status: number; html: string }> {
    const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((match) => match[1]!.includes(actionPart));
    if (!form) throw new Error(`no form with action containing ${actionPart} in ${page.html.slice(0, 500)}`);
    const body = new URLSearchParams();
    for (const input of form[2]!.matchAll(
      /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g,
    )) {
      body.set(input[1]!, decodeEntities(input[2]!));
    }
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return this.open(new URL(decodeEntities(form[1]!), page.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private store(header: string): void {
    const [pair] = header.split(';');
    const at = pair!.indexOf('=');
    const name = pair!.slice(0, at).trim();
    const value = pair!.slice(at + 1).trim();
    if (/max-age=0/i.test(header) || /expires=Thu, 01 Jan 1970/i.test(header)) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
