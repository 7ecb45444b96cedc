import { buildCompiledRelease, buildReleases, ocidOf, transactionNoOf } from '../open-data/ocds-builder';
import { type OcdsTenderSource } from '../open-data/ocds-source.repository';

const naming = { prefix: 'ocds-abc123', centreCode: '32090001', baseUrl: 'https://ggzy.example.cn' };
const at = (s: string) => new Date(s);

function source(o: Partial<OcdsTenderSource> = {}): OcdsTenderSource {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    transactionNo: '42',
    title: '盐城市开发大道改造工程施工',
    description: '',
    category: 'CONSTRUCTION_WORKS',
    regime: 'ENGINEERING',
    method: 'OPEN',
    budget: '40000000.00',
    bidDeadline: at('2026-04-21T02:00:00Z'),
    evaluationMethod: 'LOWEST_EVALUATED_PRICE',
    status: 'EVALUATION',
    publishedAt: at('2026-04-01T02:00:00Z'),
    updatedAt: at('2026-04-21T03:00:00Z'),
    procuringEntity: { organizationId: 'pe', name: '盐城市交通运输局', uscc: '11320900MB0000000X' },
    amendments: [
      {
        id: 'a1',
        seq: 1,
        kind: 'AMENDMENT',
        text: '截止时间顺延',
        previousBidDeadline: at('2026-04-20T02:00:00Z'),
        bidDeadline: at('2026-04-21T02:00:00Z'),
        publishedAt: at('2026-04-03T02:00:00Z'),
      },
    ],
    documents: [
      { id: 'd1', name: '招标文件.pdf', version: 1, contentType: 'application/pdf', sha256: 'ab'.repeat(32), amendmentId: null, availableAt: at('2026-04-01T02:00:00Z') },
    ],
    opening: {
      createdAt: at('2026-04-21T02:30:00Z'),
      record: {
        bids: [
          {
            seq: 1,
            bidId: 'b1',
            bidderOrganizationId: 'o1',
            bidderName: '甲公司',
            bidderUscc: '91320900AAAAAAAAA1',
            receivedAt: '2026-04-20T01:00:00.000Z',
            status: 'DECRYPTED',
            price: '36500000.00',
          },
          {
            seq: 2,
            bidId: 'b2',
            bidderOrganizationId: 'o2',
            bidderName: '乙公司',
            bidderUscc: '91320900BBBBBBBBB2',
            receivedAt: '2026-04-20T02:00:00.000Z',
            status: 'REVOKED',
            price: null,
          },
        ],
      } as never,
    },
    rejectedBidIds: [],
    awards: [],
    ...o,
  };
}

describe('OCDS builder', () => {
  it('ocid = prefix + transaction code, and back', () => {
    expect(ocidOf(naming, '42')).toBe('ocds-abc123-32090001-00000042');
    expect(transactionNoOf(naming, 'ocds-abc123-32090001-00000042')).toBe('42');
    expect(transactionNoOf(naming, 'ocds-zzz999-32090001-00000042')).toBeNull();
    expect(transactionNoOf(naming, 'ocds-abc123-32090001-42x')).toBeNull();
  });

  it('one release per event, in order; bids only in the snapshots from the opening record on', () => {
    const releases = buildReleases(naming, source()) as Array<Record<string, any>>;
    expect(releases.map((r) => r.tag[0])).toEqual(['tender', 'tenderAmendment', 'tenderUpdate']);
    expect(releases.map((r) => r.id)).toEqual([
      'ocds-abc123-32090001-00000042-01-tender',
      'ocds-abc123-32090001-00000042-02-tenderAmendment',
      'ocds-abc123-32090001-00000042-03-tenderUpdate',
    ]);
    for (const r of releases.slice(0, 2)) {
      const text = JSON.stringify(r);
      for (const secret of ['"bids"', 'tenderer', '甲公司', '乙公司', '36500000', 'numberOfTenderers']) expect(text).not.toContain(secret);
    }
    expect(releases[0].tender.tenderPeriod.endDate).toBe('2026-04-20T02:00:00.000Z');
    expect(releases[1].tender.tenderPeriod.endDate).toBe('2026-04-21T02:00:00.000Z');
    expect(releases[2].bids.details).toEqual([
      expect.objectContaining({ id: 'b1', status: 'pending', value: { amount: 36500000, currency: 'CNY' } }),
      { id: 'b2', date: '2026-04-20T02:00:00.000Z', status: 'withdrawn', tenderers: [{ id: 'CN-USCC-91320900BBBBBBBBB2', name: '乙公司' }] },
    ]);
    expect(releases[0].tender.documents[0].url).toBe('https://ggzy.example.cn/api/v1/tenders/11111111-1111-4111-8111-111111111111/documents/d1/content');
  });

  it('the compiled release is the last snapshot, tagged compiled', () => {
    const compiled = buildCompiledRelease(naming, source({ status: 'CANCELLED', opening: null, updatedAt: at('2026-04-10T00:00:00Z') })) as Record<string, any>;
    expect(compiled).toMatchObject({ id: 'ocds-abc123-32090001-00000042-compiled', tag: ['compiled'], date: '2026-04-10T00:00:00.000Z', tender: { status: 'cancelled' } });
    expect(compiled.bids).toBeUndefined();
  });
});
