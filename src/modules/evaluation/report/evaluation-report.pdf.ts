import { beijingTime, beijingTimeLabel } from 'src/common/time/beijing-time';
import { type PdfBlock, type PdfDocumentSpec } from 'src/infra/pdf/pdf-renderer.service';

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === null || v === undefined ? '—' : String(v));
/** An instant of the report (ISO-8601 UTC in its JSON) as Beijing time, the way filed documents show it. */
const at = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : beijingTimeLabel(String(v)));
const atShort = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : beijingTime(String(v)));
const list = (v: unknown) => (Array.isArray(v) ? (v as Row[]) : []);

const STATUS_ZH: Record<string, string> = {
  DECLINED: '拒绝参加',
  TIMED_OUT: '逾期未确认',
  REPLACED: '更换',
  RELEASED: '解除',
  INVITED: '待确认',
};

/**
 * The evaluation report (评标报告) as a Chinese PDF, section by section as PB12 Art. 42 lists them. Instants are
 * printed in Beijing time; the signed JSON content (and its SHA-256) keeps ISO-8601 UTC.
 */
export function evaluationReportPdf(content: Row, sha256: string): PdfDocumentSpec {
  const basic = content.basicData as Row;
  const committee = content.committee as Row;
  const criteria = content.criteria as Row;
  const competition = content.competition as Row;
  const scoring = criteria.method === 'COMPREHENSIVE_SCORING';
  const blocks: PdfBlock[] = [
    { kind: 'heading', text: '一、基本情况和数据' },
    {
      kind: 'fields',
      fields: [
        ['项目名称', s(basic.title)],
        ['招标人', s((basic.procuringEntity as Row)?.name)],
        ['适用制度', basic.regime === 'ENGINEERING' ? '工程建设项目招标投标' : '政府采购'],
        ['预算（元）', s(basic.budget)],
        ['最高投标限价（元）', s(basic.priceCeiling)],
        ['投标截止/开标时间', at(basic.bidDeadline)],
        ['报告生成时间', at(content.generatedAt)],
        ['评标结论', content.outcome === 'FAILED' ? '否决全部投标/采购失败，依法重新招标' : '推荐中标候选人'],
      ],
    },
    { kind: 'heading', text: '二、评标委员会成员名单' },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '姓名', width: 2 },
          { header: '专业', width: 2 },
          { header: '职称', width: 3 },
        ],
        rows: list(committee.members).map((m) => [s(m.name), s(m.specialty), s(m.title)]),
      },
    },
    {
      kind: 'paragraph',
      text:
        `专家随机抽取（${s((committee.draw as Row)?.algorithm)}）编号 ${s((committee.draw as Row)?.drawId)}，种子承诺 ${s((committee.draw as Row)?.seedCommitment)}。` +
        (Number(committee.representativeSeatsNotSeated) > 0 ? `招标人代表席位 ${s(committee.representativeSeatsNotSeated)} 个未在平台就座。` : ''),
    },
    ...(list(committee.changes).length
      ? [
          {
            kind: 'table' as const,
            table: {
              columns: [
                { header: '成员', width: 2 },
                { header: '变更', width: 2 },
                { header: '原因', width: 5 },
              ],
              rows: list(committee.changes).map((c) => [s(c.name), STATUS_ZH[String(c.status)] ?? s(c.status), s(c.reason)]),
            },
          },
        ]
      : []),
    { kind: 'heading', text: '三、开标记录' },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '投标人', width: 5 },
          { header: '投标报价（元）', width: 3, align: 'right' },
          { header: '状态', width: 2 },
        ],
        rows: list(content.openingRecord).map((b) => [s(b.bidderName), s(b.price), s(b.status)]),
      },
    },
    { kind: 'heading', text: '四、符合要求的投标一览表' },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '投标人', width: 5 },
          { header: '投标报价（元）', width: 3, align: 'right' },
          { header: '表决（合格/不合格）', width: 3 },
        ],
        rows: list(content.compliantBids).map((b) => [s(b.bidderName), s(b.price), `${s((b.votes as Row).qualified)}/${s((b.votes as Row).notQualified)}`]),
      },
    },
    { kind: 'heading', text: '五、否决投标的情况说明' },
    list(content.rejectedBids).length
      ? {
          kind: 'table',
          table: {
            columns: [
              { header: '投标人', width: 3 },
              { header: '否决依据', width: 5 },
              { header: '理由', width: 4 },
            ],
            rows: list(content.rejectedBids).map((b) => [s(b.bidderName), list(b.groundsText).map(String).join('；'), list(b.reasons).map(String).join('；')]),
          },
        }
      : { kind: 'paragraph', text: '无。' },
    { kind: 'heading', text: '六、评标标准和评标方法' },
    ...list(criteria.rules).map((r) => ({ kind: 'paragraph' as const, text: `· ${String(r)}` })),
    ...(scoring
      ? [
          {
            kind: 'table' as const,
            table: {
              columns: [
                { header: '评审因素', width: 4 },
                { header: '代码', width: 2 },
                { header: '分值', width: 2, align: 'right' as const },
              ],
              rows: list(criteria.factors).map((f) => [s(f.name), s(f.code), s(f.maxScore)]),
            },
          },
        ]
      : []),
    ...qualificationBlocks(criteria.qualificationReview as Row | undefined),
    { kind: 'heading', text: scoring ? '七、评分比较一览表' : '七、经评审的价格比较一览表' },
    {
      kind: 'table',
      table: scoring
        ? {
            columns: [
              { header: '投标人', width: 4 },
              { header: '报价', width: 3, align: 'right' },
              { header: '价格分', width: 2, align: 'right' },
              { header: '总分', width: 2, align: 'right' },
              { header: '排名', width: 1, align: 'center' },
            ],
            rows: list(content.scoreTable).map((r) => [s(r.bidderName), s(r.price), s(r.priceScore), s(r.totalScore), s(r.rank)]),
          }
        : {
            columns: [
              { header: '投标人', width: 5 },
              { header: '评审价（元）', width: 3, align: 'right' },
              { header: '排名', width: 1, align: 'center' },
            ],
            rows: list(content.scoreTable).map((r) => [s(r.bidderName), s(r.evaluatedPrice), s(r.rank)]),
          },
    },
    { kind: 'heading', text: '八、经评审的投标人排序' },
    {
      kind: 'paragraph',
      text: list(content.ranking).length
        ? list(content.ranking)
            .map((r) => `${s(r.rank)}. ${s(r.bidderName)}`)
            .join('  ')
        : '无。',
    },
    { kind: 'heading', text: '九、推荐的中标候选人名单' },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '排序', width: 1, align: 'center' },
          { header: '中标候选人', width: 5 },
          { header: '投标报价（元）', width: 3, align: 'right' },
          { header: '得分', width: 2, align: 'right' },
        ],
        rows: list(content.candidates).map((c) => [s(c.rank), s(c.bidderName), s(c.price), s(c.score)]),
      },
    },
    { kind: 'heading', text: '十、澄清、说明、补正事项纪要' },
    ...(list(content.clarifications).length
      ? list(content.clarifications).map((c) => ({
          kind: 'fields' as const,
          fields: [
            ['投标人', s(c.bidderName)],
            ['事项', `${s(c.item)}（${s(c.legalBasis)}）`],
            ['问题', s(c.question)],
            ['答复', s(c.response)],
            ['评标委员会意见', c.panelDecision === 'ACCEPTED' ? `采纳 ${s(c.panelDecisionNote)}` : c.panelDecision === 'NOT_ACCEPTED' ? `不采纳 ${s(c.panelDecisionNote)}` : '—'],
          ] as Array<[string, string]>,
        }))
      : [{ kind: 'paragraph' as const, text: '无。' }]),
    { kind: 'heading', text: '有效投标不足三个时的评审意见' },
    {
      kind: 'paragraph',
      text: `有效投标 ${s(competition.validBids)} 个。${s(competition.basis)}${
        competition.panelDecision ? `；评标委员会决定：${(competition.panelDecision as Row).decision === 'REJECT_ALL' ? '否决全部投标' : '继续评标'}` : ''
      }`,
    },
    ...list(content.notes).map((n) => ({ kind: 'paragraph' as const, text: `注：${String(n)}` })),
    { kind: 'heading', text: '评标委员会成员签字' },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '成员', width: 2 },
          { header: '签字时间（北京时间）', width: 3 },
          { header: '不同意见及理由', width: 5 },
        ],
        rows: list(content.signatures).map((x) => [s(x.name), atShort(x.signedAt), s(x.dissent)]),
      },
    },
  ];
  return {
    title: '评标报告',
    subtitle: `${s(basic.title)}（第 ${s(content.version)} 版）`,
    blocks,
    footer: `电子招标投标交易平台 · 报告 SHA-256 ${sha256.slice(0, 16)}…`,
  };
}

/** 资格后审 with published criteria: the rule, each criterion, and per bid each member's finding with its reason. */
function qualificationBlocks(review: Row | undefined): PdfBlock[] {
  if (!review) return [];
  const blocks: PdfBlock[] = [
    { kind: 'paragraph', text: `· ${s(review.rule)}` },
    {
      kind: 'table',
      table: {
        columns: [
          { header: '资格条件', width: 1 },
          { header: '要求', width: 4 },
          { header: '须提交的证明材料', width: 3 },
        ],
        rows: list(review.criteria).map((c) => [s(c.code), s(c.requirement), s(c.evidence)]),
      },
    },
  ];
  for (const b of list(review.bids)) {
    blocks.push({
      kind: 'paragraph',
      text: `${s(b.bidderName)}：资格审查${b.conclusion === 'QUALIFIED' ? '合格' : '不合格'}（认为合格的成员 ${s(b.membersFindingQualified)} 名）`,
    });
    blocks.push({
      kind: 'table',
      table: {
        columns: [
          { header: '条件', width: 1 },
          { header: '成员', width: 2 },
          { header: '判定', width: 1 },
          { header: '理由', width: 5 },
        ],
        rows: list(b.criteria).flatMap((c) => list(c.findings).map((f) => [s(c.code), s(f.name), f.met ? '满足' : '不满足', s(f.reason)])),
      },
    });
  }
  return blocks;
}
