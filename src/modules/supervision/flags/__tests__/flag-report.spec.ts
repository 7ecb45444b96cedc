import { type PdfBlock } from 'src/infra/pdf/pdf-renderer.service';
import { FlagCode } from '../engine';
import { evidenceText, flagReportSpec } from '../flag-report';
import type { FlagView } from '../flags.service';

const tender = {
  id: 't1',
  title: '盐城市世纪大道绿化提升工程',
  regime: 'ENGINEERING',
  status: 'EVALUATION',
  procuringEntityName: '盐城市住建局',
  openedAt: '2026-11-27T02:00:00.000Z',
};
const flag = (over: Partial<FlagView> = {}): FlagView => ({
  id: 'f1',
  code: FlagCode.BID_ROTATION,
  name: '轮流中标',
  severity: 'MEDIUM',
  scope: 'HISTORY',
  tenderId: null,
  tenderIds: ['t1'],
  bidderIds: ['o1'],
  bidders: [{ organizationId: 'o1', name: '甲公司' }],
  expertIds: [],
  evidence: { wins: [{ tenderId: 't0', awardedAt: '2026-10-31T16:30:00.000Z' }], note: 'not a date: 2026' },
  legalBasis: '发改法规规〔2022〕1117号',
  computedAt: '2026-11-27T02:00:05.000Z',
  ...over,
});
const fields = (blocks: PdfBlock[]) => new Map((blocks.find((b) => b.kind === 'fields') as Extract<PdfBlock, { kind: 'fields' }>).fields);

describe('flag report (串通投标监测报告): instants in Beijing time', () => {
  it('prints the opening, the computation and the issue time in Beijing time, never as UTC ISO strings', () => {
    const spec = flagReportSpec(tender, [flag()], new Date('2026-11-27T16:00:00.000Z'));
    const f = fields(spec.blocks);
    expect(f.get('开标时间')).toBe('2026-11-27 10:00:00（北京时间）');
    expect(f.get('监测计算时间')).toBe('2026-11-27 10:00:05（北京时间）');
    expect(f.get('报告生成时间')).toBe('2026-11-28 00:00:00（北京时间）');
    expect(JSON.stringify(spec)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });
  it('shows instants inside the evidence in Beijing time too, and leaves other strings alone', () => {
    const text = evidenceText(flag().evidence);
    expect(text).toContain('"awardedAt":"2026-11-01 00:30:00（北京时间）"');
    expect(text).toContain('"note":"not a date: 2026"');
  });
  it('a tender not yet computed', () => {
    const f = fields(flagReportSpec({ ...tender, openedAt: null }, [], new Date('2026-11-27T16:00:00.000Z')).blocks);
    expect([f.get('开标时间'), f.get('监测计算时间')]).toEqual(['—', '尚未计算']);
  });
});
