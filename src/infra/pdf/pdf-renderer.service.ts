import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import PDFDocument from 'pdfkit';
import { drawChart, PdfChart } from './pdf-charts';

const FONT_REGULAR = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');
const FONT_BOLD = require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf');

export interface PdfTable {
  columns: Array<{ header: string; width: number; align?: 'left' | 'right' | 'center' }>;
  rows: string[][];
}

export type PdfBlock =
  { kind: 'heading'; text: string } | { kind: 'paragraph'; text: string } | { kind: 'fields'; fields: Array<[string, string]> } | { kind: 'table'; table: PdfTable } | PdfChart;

export interface PdfDocumentSpec {
  /** e.g. 开标记录 */
  title: string;
  subtitle?: string;
  blocks: PdfBlock[];
  /** Printed at the foot of every page, e.g. the platform name and the document's audit reference. */
  footer?: string;
}

export interface RenderedPdf {
  content: Buffer;
  sha256: string;
}

/**
 * Renders the documents people sign and file (opening record, evaluation report, flag report) with a CJK font
 * (Noto Sans SC, shipped through npm) so that Chinese renders. Deterministic dates: the caller prints them.
 */
@Injectable()
export class PdfRenderer {
  render(spec: PdfDocumentSpec): Promise<RenderedPdf> {
    return new Promise((resolve, reject) => {
      const doc = new PDFDocument({
        size: 'A4',
        margins: { top: 56, bottom: 56, left: 50, right: 50 },
        info: { Title: spec.title, Producer: 'ebidding-platform', Creator: 'ebidding-platform' },
        bufferPages: true,
      });
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('error', reject);
      doc.on('end', () => {
        const content = Buffer.concat(chunks);
        resolve({ content, sha256: createHash('sha256').update(content).digest('hex') });
      });
      doc.registerFont('cjk', FONT_REGULAR);
      doc.registerFont('cjk-bold', FONT_BOLD);

      doc.font('cjk-bold').fontSize(18).text(spec.title, { align: 'center' });
      if (spec.subtitle) doc.moveDown(0.3).font('cjk').fontSize(11).text(spec.subtitle, { align: 'center' });
      doc.moveDown(1);
      for (const block of spec.blocks) this.block(doc, block);

      const range = doc.bufferedPageRange();
      for (let i = 0; i < range.count; i++) {
        doc.switchToPage(range.start + i);
        const bottom = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        const y = doc.page.height - 40;
        const pageNo = `第 ${i + 1} 页 / 共 ${range.count} 页`;
        doc.font('cjk').fontSize(7.5).fillColor('#555');
        const noWidth = doc.widthOfString(pageNo);
        if (spec.footer) {
          doc.text(spec.footer, 50, y, { width: doc.page.width - 100 - noWidth - 12, lineBreak: false, ellipsis: true });
        }
        doc.text(pageNo, doc.page.width - 50 - noWidth, y, { lineBreak: false });
        doc.page.margins.bottom = bottom;
        doc.fillColor('black');
      }
      doc.end();
    });
  }

  private block(doc: PDFKit.PDFDocument, b: PdfBlock): void {
    const left = doc.page.margins.left;
    const width = doc.page.width - left - doc.page.margins.right;
    switch (b.kind) {
      case 'heading':
        doc.moveDown(0.6).font('cjk-bold').fontSize(13).text(b.text, left, doc.y, { width });
        doc.moveDown(0.3);
        return;
      case 'paragraph':
        doc.font('cjk').fontSize(10.5).text(b.text, left, doc.y, { width, lineGap: 2 });
        doc.moveDown(0.4);
        return;
      case 'fields':
        for (const [k, v] of b.fields) {
          doc.font('cjk-bold').fontSize(10.5).text(`${k}：`, left, doc.y, { continued: true });
          doc.font('cjk').text(v || '—');
        }
        doc.moveDown(0.4);
        return;
      case 'table':
        this.table(doc, b.table, left, width);
        return;
      case 'barChart':
      case 'shareChart':
        drawChart(doc, b, left, width);
        return;
    }
  }

  private table(doc: PDFKit.PDFDocument, t: PdfTable, left: number, width: number): void {
    const total = t.columns.reduce((s, c) => s + c.width, 0);
    const widths = t.columns.map((c) => (c.width / total) * width);
    const pad = 4;
    const drawRow = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'cjk-bold' : 'cjk').fontSize(9);
      const heights = cells.map((c, i) => doc.heightOfString(c || '—', { width: widths[i] - 2 * pad }));
      const h = Math.max(...heights) + 2 * pad;
      if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      let x = left;
      cells.forEach((c, i) => {
        if (bold) doc.rect(x, y, widths[i], h).fillAndStroke('#eeeeee', '#999999').fillColor('black');
        else doc.rect(x, y, widths[i], h).stroke('#999999');
        doc.text(c || '—', x + pad, y + pad, { width: widths[i] - 2 * pad, align: t.columns[i].align ?? 'left' });
        x += widths[i];
      });
      doc.x = left;
      doc.y = y + h;
    };
    drawRow(
      t.columns.map((c) => c.header),
      true,
    );
    for (const r of t.rows) drawRow(r, false);
    doc.moveDown(0.6);
  }
}
