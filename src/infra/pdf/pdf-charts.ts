/**
 * Vector charts drawn with pdfkit itself (no chart library, no raster): bars by period and shares (a stacked bar
 * with a legend). Values are plain numbers used only for geometry; the labels printed beside them are the caller's
 * exact strings (money stays a decimal string in the text).
 */

export interface BarChartSpec {
  kind: 'barChart';
  title: string;
  /** Axis unit, e.g. 万元 or 个. */
  unit: string;
  bars: Array<{ label: string; value: number; valueLabel: string }>;
  color?: string;
  /** Counts: the axis has whole-number ticks. */
  integer?: boolean;
}

export interface ShareChartSpec {
  kind: 'shareChart';
  title: string;
  parts: Array<{ label: string; value: number; valueLabel: string }>;
}

export type PdfChart = BarChartSpec | ShareChartSpec;

const PALETTE = ['#1f5fa8', '#d9822b', '#2e8b57', '#b03a48', '#7b5ea7', '#8c6d31', '#4a90a4', '#999999'];

/** A round axis maximum ≥ max: 1, 2, 2.5 or 5 × 10^k. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export function drawChart(doc: PDFKit.PDFDocument, chart: PdfChart, left: number, width: number): void {
  const height = chart.kind === 'barChart' ? 210 : 60 + 16 * Math.ceil(chart.parts.length / 2);
  if (doc.y + height + 30 > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.font('cjk-bold').fontSize(11).fillColor('black').text(chart.title, left, doc.y, { width });
  doc.moveDown(0.3);
  if (chart.kind === 'barChart') bars(doc, chart, left, width);
  else shares(doc, chart, left, width);
  doc.x = left;
  doc.fillColor('black').strokeColor('black');
  doc.moveDown(0.8);
}

function bars(doc: PDFKit.PDFDocument, c: BarChartSpec, left: number, width: number): void {
  const top = doc.y + 6;
  const axisW = 46;
  const plotH = 150;
  const plotL = left + axisW;
  const plotW = width - axisW;
  let max = niceMax(Math.max(0, ...c.bars.map((b) => b.value)));
  if (c.integer) max = Math.max(4, Math.ceil(max / 4) * 4);
  doc.font('cjk').fontSize(7).fillColor('#555');
  doc.text(c.unit, left, top - 4, { width: axisW - 6, align: 'right', lineBreak: false });
  for (let i = 0; i <= 4; i++) {
    const y = top + 8 + plotH - (plotH * i) / 4;
    doc
      .moveTo(plotL, y)
      .lineTo(plotL + plotW, y)
      .lineWidth(0.4)
      .strokeColor(i === 0 ? '#333' : '#ccc')
      .stroke();
    doc.fillColor('#555').text(axisNumber((max * i) / 4), left, y - 4, { width: axisW - 6, align: 'right', lineBreak: false });
  }
  const n = Math.max(1, c.bars.length);
  const slot = plotW / n;
  const barW = Math.min(28, slot * 0.6);
  // Many bars: a label under every k-th bar, and the values printed only when they fit above their bar.
  const labelEvery = Math.ceil(n / 12);
  const showValues = slot >= 34;
  c.bars.forEach((b, i) => {
    const h = max > 0 ? (plotH * Math.max(0, b.value)) / max : 0;
    const x = plotL + slot * i + (slot - barW) / 2;
    const base = top + 8 + plotH;
    if (h > 0) doc.rect(x, base - h, barW, h).fill(c.color ?? PALETTE[0]);
    doc.font('cjk').fontSize(6.5).fillColor('#222');
    if (b.value > 0 && showValues) doc.text(b.valueLabel, x - (slot - barW) / 2, base - h - 9, { width: slot, align: 'center', lineBreak: false });
    if (i % labelEvery === 0) {
      doc
        .fontSize(7)
        .fillColor('#333')
        .text(b.label, plotL + slot * i - (slot * (labelEvery - 1)) / 2, base + 3, { width: slot * labelEvery, align: 'center', lineBreak: false });
    }
  });
  doc.y = top + 8 + plotH + 18;
}

function shares(doc: PDFKit.PDFDocument, c: ShareChartSpec, left: number, width: number): void {
  const top = doc.y + 4;
  const total = c.parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  const barH = 22;
  let x = left;
  if (total > 0) {
    c.parts.forEach((p, i) => {
      const w = (width * Math.max(0, p.value)) / total;
      if (w > 0) doc.rect(x, top, w, barH).fill(PALETTE[i % PALETTE.length]);
      x += w;
    });
  } else {
    doc.rect(left, top, width, barH).lineWidth(0.5).stroke('#999');
  }
  let y = top + barH + 8;
  const colW = width / 2;
  c.parts.forEach((p, i) => {
    const cx = left + (i % 2) * colW;
    if (i > 0 && i % 2 === 0) y += 16;
    doc.rect(cx, y + 2, 9, 9).fill(PALETTE[i % PALETTE.length]);
    const pct = total > 0 ? ((100 * Math.max(0, p.value)) / total).toFixed(1) : '0.0';
    doc
      .font('cjk')
      .fontSize(8.5)
      .fillColor('#222')
      .text(`${p.label}  ${p.valueLabel}（${pct}%）`, cx + 14, y, { width: colW - 16, lineBreak: false, ellipsis: true });
  });
  doc.y = y + 18;
}

function axisNumber(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
