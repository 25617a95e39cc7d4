/** The small HTML pages of signing in and out: a title, what happened, and where to go next. */
import type { BodyResult, ResultHeaders } from '../server.ts';

export interface PageLink {
  href: string;
  label: string;
}

const contentSecurityPolicy =
  "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function loginPage(
  status: number,
  title: string,
  paragraphs: readonly string[],
  links: readonly PageLink[] = [],
): BodyResult {
  const body = [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · Baton</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"></head>`,
    '<body class="login-page"><main class="login-box">',
    `<h1>${escapeHtml(title)}</h1>`,
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    links.length > 0
      ? `<p class="login-links">${links.map((link) => `<a class="btn btn-primary" href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a>`).join(' ')}</p>`
      : '',
    '</main></body></html>',
  ].join('\n');
  return {
    status,
    body,
    contentType: 'text/html; charset=utf-8',
    headers: { 'cache-control': 'no-store', 'content-security-policy': contentSecurityPolicy },
  };
}

/** Sends the browser on; the page is for the rare client that does not follow. */
export function redirect(location: string, headers: ResultHeaders = {}): BodyResult {
  return {
    status: 302,
    body: `<!doctype html><a href="${escapeHtml(location)}">Continue</a>`,
    contentType: 'text/html; charset=utf-8',
    headers: { ...headers, location, 'cache-control': 'no-store' },
  };
}
