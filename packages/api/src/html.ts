import type { FastifyReply } from 'fastify';

/** Markup that is already safe: built by {@link html}, never from a string of unknown origin. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function part(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(String(v));
}

/**
 * A template tag that escapes every value it is given, unless the value is itself {@link Html}
 * (or an array of it). Run ids, file names and errors come from submitted specs: nothing reaches
 * a page unescaped.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/**
 * Content-Security-Policy of the runs pages: scripts, styles and requests only from this server
 * (no inline script or style, nothing from another host), no plugins, not framed by other sites.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every page of the server sends: the CSP, no sniffing, no referrer to other sites, no caching. */
export function pageHeaders(reply: FastifyReply, csp: string = PAGE_CSP): FastifyReply {
  return reply
    .header('Content-Security-Policy', csp)
    .header('X-Content-Type-Options', 'nosniff')
    // Not no-referrer: under it Chromium sends `Origin: null` with form posts, which the
    // Origin check must refuse. same-origin tells other sites nothing.
    .header('Referrer-Policy', 'same-origin')
    .header('Cache-Control', 'no-store');
}

/** Sends a page: the document around `body`, with {@link pageHeaders}. */
export function sendPage(reply: FastifyReply, page: { title: string; body: Html; nav?: Html; bodyClass?: string }, status = 200): FastifyReply {
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} \u00b7 synthfarm</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body class="${page.bodyClass ?? ''}">
<header class="top"><a class="brand" href="/">synthfarm</a>${page.nav ?? ''}</header>
<main>
${page.body}
</main>
</body>
</html>
`;
  return pageHeaders(reply).code(status).type('text/html; charset=utf-8').send(doc.text);
}
