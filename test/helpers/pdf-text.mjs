// Prints the text of the PDF read from standard input, one line per text line, as a reader of the document sees it.
// Run in its own Node process by pdf-text.ts: pdfjs-dist is an ES module, which Jest's CommonJS runtime cannot load.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const data = new Uint8Array(Buffer.concat(chunks));
const task = getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 });
const doc = await task.promise;
const pages = [];
for (let p = 1; p <= doc.numPages; p++) {
  const content = await (await doc.getPage(p)).getTextContent();
  let line = '';
  let lastY = null;
  const lines = [];
  for (const item of content.items) {
    if (!('str' in item)) continue;
    const y = item.transform[5];
    if (lastY !== null && Math.abs(y - lastY) > 1 && line) {
      lines.push(line);
      line = '';
    }
    line += item.str;
    lastY = y;
    if (item.hasEOL) {
      lines.push(line);
      line = '';
      lastY = null;
    }
  }
  if (line) lines.push(line);
  pages.push(lines.filter((l) => l.trim() !== '').join('\n'));
}
process.stdout.write(pages.join('\n\f'));
await task.destroy();
