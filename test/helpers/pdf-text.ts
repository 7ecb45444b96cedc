import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * The text of a PDF as a reader of the filed document sees it (UTF-8, one line per text line), extracted with
 * pdfjs-dist from npm — no system tool (poppler's pdftotext) needed. pdfjs-dist is an ES module, so it runs in a
 * child Node process (the same Node binary as Jest).
 */
export function pdfText(pdf: Buffer): string {
  return execFileSync(process.execPath, [join(__dirname, 'pdf-text.mjs')], {
    input: pdf,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
}

/** An ISO-8601 UTC instant as the JSON API writes it: it must not appear in a filed document. */
export const ISO_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
