/**
 * Paths the console's index.html fallback never answers (path-to-regexp v8 syntax): they belong to the API and the
 * operations endpoints, and an unknown one there must stay a JSON 404, not a web page.
 */
export const CONSOLE_EXCLUDED_PATHS = ['/api/{*rest}', '/health{/*rest}', '/metrics{/*rest}', '/docs{/*rest}', '/docs-json', '/admin/queues{/*rest}'];
// A missing file under /assets is a 404 too, not index.html (a stale tab would otherwise parse HTML as JavaScript):
// see gzip-assets.ts.
