import { type PdfBlock } from 'src/infra/pdf/pdf-renderer.service';
import { evaluationReportPdf } from '../report/evaluation-report.pdf';

/** The parts of a report's content the PDF reads (the rest are empty lists). */
const content = {
  version: 1,
  generatedAt: '2026-11-28T01:15:00.000Z',
  outcome: 'CANDIDATES',
  basicData: {
    title: '盐城市世纪大道绿化提升工程',
    regime: 'ENGINEERING',
    procuringEntity: { name: '盐城市住建局' },
    budget: '40000000.00',
    priceCeiling: null,
    bidDeadline: '2026-11-27T02:00:00.000Z',
  },
  committee: { members: [], changes: [], draw: { algorithm: 'HMAC-SHA256', drawId: 'd1', seedCommitment: 'ab' } },
  criteria: { method: 'LOWEST_EVALUATED_PRICE', rules: [] },
  competition: { validBids: 3, basis: '有效投标不少于3个' },
  openingRecord: [],
  signatures: [{ memberId: 'm1', name: '王评审', signedAt: '2026-11-27T17:59:59.500Z', dissent: null }],
};

describe('evaluation report PDF (评标报告): instants in Beijing time', () => {
  const spec = evaluationReportPdf(content, 'f'.repeat(64));
  it('prints the deadline and the report time in Beijing time', () => {
    const fields = new Map((spec.blocks.find((b) => b.kind === 'fields') as Extract<PdfBlock, { kind: 'fields' }>).fields);
    expect(fields.get('投标截止/开标时间')).toBe('2026-11-27 10:00:00（北京时间）');
    expect(fields.get('报告生成时间')).toBe('2026-11-28 09:15:00（北京时间）');
  });
  it('prints each signature time in Beijing time (a signature late in the UTC day is the next day in Beijing)', () => {
    const table = spec.blocks.filter((b): b is Extract<PdfBlock, { kind: 'table' }> => b.kind === 'table').at(-1)!.table;
    expect(table.columns[1].header).toBe('签字时间（北京时间）');
    expect(table.rows).toEqual([['王评审', '2026-11-28 01:59:59', '—']]);
  });
  it('no UTC ISO instant reaches the document', () => {
    expect(JSON.stringify(spec)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });
});
