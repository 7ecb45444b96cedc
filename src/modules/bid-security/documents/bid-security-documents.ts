import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { beijingTimeLabel } from 'src/common/time/beijing-time';
import { PdfDocumentSpec, PdfRenderer, RenderedPdf } from 'src/infra/pdf/pdf-renderer.service';
import { NoPaymentException, NoRefundException } from '../bid-security.exception';
import { BidSecurityService } from '../bid-security.service';
import type { PaymentClassification } from '../bid-security.types';
import { RefundReason } from '../refund-policy';

const yuan = (s: string) => {
  const [i, f] = s.split('.');
  return `¥${i.replace(/\B(?=(\d{3})+$)/g, ',')}.${f}`;
};

const CLASSIFICATION: Record<PaymentClassification, string> = {
  ACCEPTED: '有效（截止时间前到账）',
  LATE: '逾期到账，不计入，原路退回',
  TENDER_CLOSED: '项目已不接受投标，原路退回',
  UNMATCHED: '无法识别',
};
const STATUS: Record<string, string> = {
  UNPAID: '未缴足',
  PAID: '已缴纳',
  REFUND_DUE: '待退还',
  REFUNDED: '已退还',
  FORFEITED: '不予退还',
};
const REASON: Record<RefundReason, string> = {
  WITHDRAWAL: '投标截止前撤回投标文件',
  TERMINATION: '招标终止或招标失败',
  NOT_AWARDED: '未中标（中标通知书已发出）',
  CONTRACT_SIGNED: '合同已签订',
  SURPLUS_AFTER_FORFEITURE: '不予退还部分以外的多缴款项',
  LATE_PAYMENT: '逾期到账款项',
  VALIDITY_REFUSED: '拒绝延长投标有效期，投标失效',
  UNMATCHED_PAYMENT: '无法识别的来款',
};
const UNIT: Record<string, string> = { CALENDAR_DAYS: '日', WORKING_DAYS: '个工作日' };

/** The bidder's documents, in Chinese: 投标保证金缴纳凭证 (receipt) and 投标保证金退还通知书 (refund notice). */
@Injectable()
export class BidSecurityDocuments {
  constructor(
    private readonly service: BidSecurityService,
    private readonly pdf: PdfRenderer,
  ) {}

  async receipt(tenderId: string, actor: Actor): Promise<RenderedPdf> {
    const r = await this.service.ownRecords(tenderId, actor);
    if (!r.account || r.payments.length === 0 || !r.status) throw new NoPaymentException();
    const spec: PdfDocumentSpec = {
      title: '投标保证金缴纳凭证',
      subtitle: r.tender.title,
      blocks: [
        {
          kind: 'fields',
          fields: [
            ['招标项目', r.tender.title],
            ['项目编号', r.tender.id],
            ['投标人', r.bidder.name],
            ['统一社会信用代码', r.bidder.uscc],
            ['基本账户', r.bidder.basic_account_no],
            ['保证金虚拟子账号', r.account.virtualAccountNo],
            ['应缴金额', yuan(r.status.requiredAmount)],
            ['有效缴纳金额', yuan(r.status.paidAmount)],
            ['当前状态', STATUS[r.status.status]],
            ['投标截止时间', beijingTimeLabel(r.tender.bidDeadline)],
          ],
        },
        { kind: 'heading', text: '到账明细' },
        {
          kind: 'table',
          table: {
            columns: [
              { header: '银行流水号', width: 3 },
              { header: '到账时间', width: 3 },
              { header: '金额（元）', width: 2, align: 'right' },
              { header: '付款账户 / 付款人', width: 4 },
              { header: '认定', width: 3 },
            ],
            rows: r.payments.map((p) => [
              p.txnId,
              beijingTimeLabel(p.receivedAt),
              p.amount,
              // A payer not from the basic account is sealed until the opening (issue 17): the bank's transaction names it.
              p.payerAccountNo === null ? '（非基本账户，开标后显示）' : `${p.payerAccountNo}\n${p.payerName}${p.payerIsBasicAccount ? '' : '（非基本账户）'}`,
              CLASSIFICATION[p.classification],
            ]),
          },
        },
        {
          kind: 'paragraph',
          text:
            '说明：到账时间以平台收到银行到账通知的时间（数据库时钟）为准；投标截止时间及以后到账的款项不计入投标保证金，' +
            '原路退回。投标保证金应当从投标人的基本账户转出（《招标投标法实施条例》第二十六条）。' +
            '在开标前，投标保证金的缴纳情况仅对投标人本人可见。',
        },
      ],
      footer: `电子招标投标交易平台 · 投标保证金缴纳凭证 · ${r.account.virtualAccountNo}`,
    };
    return this.pdf.render(spec);
  }

  async refundNotice(tenderId: string, actor: Actor): Promise<RenderedPdf> {
    const r = await this.service.ownRecords(tenderId, actor);
    const sent = r.refunds.filter((x) => x.status === 'SENT');
    if (!r.account || sent.length === 0 || !r.status) throw new NoRefundException();
    const blocks: PdfDocumentSpec['blocks'] = [
      {
        kind: 'paragraph',
        text: `${r.bidder.name}：\n你单位就“${r.tender.title}”缴纳的投标保证金，本平台已按下列情况办理退还，款项原路退回付款账户。`,
      },
      {
        kind: 'fields',
        fields: [
          ['招标项目', r.tender.title],
          ['投标人', `${r.bidder.name}（${r.bidder.uscc}）`],
          ['保证金虚拟子账号', r.account.virtualAccountNo],
          ['当前状态', STATUS[r.status.status]],
          ...(r.status.forfeitedAmount !== '0.00' ? ([['不予退还金额', yuan(r.status.forfeitedAmount)]] as Array<[string, string]>) : []),
        ],
      },
    ];
    sent.forEach((x, i) => {
      blocks.push(
        { kind: 'heading', text: `退还 ${i + 1}：${REASON[x.reason]}` },
        {
          kind: 'fields',
          fields: [
            ['法律依据', x.legalBasis],
            ['法定退还期限', `自 ${beijingTimeLabel(x.periodStart)} 起 ${x.periodDays}${UNIT[x.periodUnit]}内，即 ${beijingTimeLabel(x.dueAt)} 前`],
            ['退还时间', x.executedAt ? beijingTimeLabel(x.executedAt) : '—'],
            ['是否按期', x.executedAt && x.executedAt < x.dueAt ? '按期退还' : '逾期'],
            ['退还本金', yuan(x.principal)],
            ['利息', x.withInterest ? `${yuan(x.interest ?? '0.00')}（年利率 ${x.interestRate}，按实际占用天数/365 计）` : '不计息'],
          ],
        },
        {
          kind: 'table',
          table: {
            columns: [
              { header: '收款账户', width: 4 },
              { header: '收款人', width: 4 },
              { header: '本金', width: 2, align: 'right' },
              { header: '利息', width: 2, align: 'right' },
              { header: '合计', width: 2, align: 'right' },
            ],
            rows: (x.instructions ?? []).map((o) => [o.payeeAccountNo ?? `原路退回 ${(o.originalTxnIds ?? []).join(', ')}`, o.payeeName ?? '', o.principal, o.interest, o.amount]),
          },
        },
      );
    });
    blocks.push({
      kind: 'paragraph',
      text: '特此通知。期限按《民法典》第二百零一条、第二百零三条计算：开始当日不计入，期间最后一日为法定休假日的，以休假日结束的次日为期间的最后一日。',
    });
    return this.pdf.render({
      title: '投标保证金退还通知书',
      subtitle: r.tender.title,
      blocks,
      footer: `电子招标投标交易平台 · 投标保证金退还通知书 · ${r.account.virtualAccountNo}`,
    });
  }
}
