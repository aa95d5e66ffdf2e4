/**
 * The page at `/` where a person can try a sweep: a CSV, a model size and an optimizer in, the
 * curve drawn live from the event stream, the suggestion at the end. Plain HTML, CSS and
 * JavaScript served by the function itself (no CDN), under a strict Content Security Policy.
 * @module
 */
import indexHtml from "./static/index.html" with { type: "text" };
import appJs from "./static/app.js" with { type: "text" };
import styleCss from "./static/style.css" with { type: "text" };

/** A file of the page. */
export interface PageAsset {
  /** The file's text. */
  body: string;
  /** Its Content-Type. */
  type: string;
}

/** The page's files by path. */
export const PAGE_ASSETS: Readonly<Record<string, PageAsset>> = {
  "/": { body: indexHtml, type: "text/html; charset=utf-8" },
  "/app.js": { body: appJs, type: "text/javascript; charset=utf-8" },
  "/style.css": { body: styleCss, type: "text/css; charset=utf-8" },
};

/** The page may load only its own script and style and talk only to its own server. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");
