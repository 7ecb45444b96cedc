/**
 * OCDS 1.1.5 releases of one tender, with the bid extension (ocds_bid_extension), built from what is public now.
 * Pure: no database, no clock. Each release is a snapshot of the contracting process as it stood right after one
 * event (publication, each amendment, the end of the opening, the failure, each award, each contract, the
 * cancellation); the compiled release is the last snapshot. Bids appear only in snapshots taken at or after the
 * publication of the opening record (the decryption window closed: EB20 Art. 32); before, nothing of a bid —
 * count, bidders, price — is in any release.
 *
 * Money: OCDS requires `amount` to be a JSON number; the decimal string is converted with Number(), which reproduces
 * the same decimal for any amount below 2^53 fen (about 9 × 10^13 yuan).
 */
import { type OcdsTenderSource } from './ocds-source.repository';

export const OCDS_VERSION = '1.1';
export const BID_EXTENSION_URL = 'https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json';
/** org-id.guide scheme of the unified social credit code (统一社会信用代码, GB 32100-2015). */
export const USCC_SCHEME = 'CN-USCC';

export interface OcdsNaming {
  /** e.g. ocds-xxxxxx (registered with the Open Contracting Partnership). */
  prefix: string;
  /** TRADING_CENTRE_CODE: the first part of the transaction code (交易标识码). */
  centreCode: string;
  /** PUBLIC_BASE_URL (documents' download URLs); none in unit inputs. */
  baseUrl?: string;
}

/** 交易标识码: the trading centre's code and the tender's transaction number, e.g. 32090001-00000042. */
export const transactionCode = (n: OcdsNaming, transactionNo: string) => `${n.centreCode}-${transactionNo.padStart(8, '0')}`;
export const ocidOf = (n: OcdsNaming, transactionNo: string) => `${n.prefix}-${transactionCode(n, transactionNo)}`;

/** The transaction number an ocid names, or null when it is not one of this platform's ocids. */
export function transactionNoOf(n: OcdsNaming, ocid: string): string | null {
  const head = `${n.prefix}-${n.centreCode}-`;
  if (!ocid.startsWith(head)) return null;
  const rest = ocid.slice(head.length);
  if (!/^\d{8,18}$/.test(rest)) return null;
  return BigInt(rest).toString();
}

type Json = Record<string, unknown>;

const iso = (d: Date) => d.toISOString();
const amount = (s: string) => ({ amount: Number(s), currency: 'CNY' });
const partyId = (uscc: string) => `${USCC_SCHEME}-${uscc}`;

const METHOD: Record<string, [string, string]> = { OPEN: ['open', '公开招标'], INVITED: ['selective', '邀请招标'] };
const MAIN_CATEGORY: Record<string, string> = { CONSTRUCTION_WORKS: 'works', GOODS: 'goods', SERVICES: 'services' };
const CATEGORY_DETAILS: Record<string, string> = {
  CONSTRUCTION_WORKS: '工程建设',
  GOODS: '货物',
  SERVICES: '服务',
  PROPERTY_RIGHTS: '产权交易',
  LAND_AND_MINING_RIGHTS: '土地使用权和矿业权出让',
  MEDICAL_SUPPLIES: '药品和医用耗材采购',
  OTHER: '其他',
};
const AWARD_CRITERIA: Record<string, [string, string]> = {
  LOWEST_EVALUATED_PRICE: ['priceOnly', '经评审的最低投标价法'],
  COMPREHENSIVE_SCORING: ['ratedCriteria', '综合评估法（综合评分法）'],
};

type Stage =
  | { kind: 'tender'; date: Date }
  | { kind: 'amendment'; date: Date; index: number }
  | { kind: 'opening'; date: Date }
  | { kind: 'failed'; date: Date }
  | { kind: 'award'; date: Date; index: number }
  | { kind: 'contract'; date: Date; index: number }
  | { kind: 'cancelled'; date: Date };

const TAG: Record<Stage['kind'], string> = {
  tender: 'tender',
  amendment: 'tenderAmendment',
  opening: 'tenderUpdate',
  failed: 'tenderUpdate',
  award: 'award',
  contract: 'contract',
  cancelled: 'tenderCancellation',
};

/** The events that have happened, in order; each gives one release. */
function stagesOf(s: OcdsTenderSource): Stage[] {
  const stages: Stage[] = [{ kind: 'tender', date: s.publishedAt }];
  s.amendments.forEach((a, index) => stages.push({ kind: 'amendment', date: a.publishedAt, index }));
  if (s.opening) stages.push({ kind: 'opening', date: s.opening.createdAt });
  s.awards.forEach((a, index) => {
    stages.push({ kind: 'award', date: a.noticeIssuedAt, index });
    if (a.contractSignedAt) stages.push({ kind: 'contract', date: a.contractRecordedAt ?? a.contractSignedAt, index });
  });
  if (s.status === 'FAILED') stages.push({ kind: 'failed', date: s.updatedAt });
  if (s.status === 'CANCELLED') stages.push({ kind: 'cancelled', date: s.updatedAt });
  return stages
    .map((st, i) => ({ st, i }))
    .sort((a, b) => a.st.date.getTime() - b.st.date.getTime() || a.i - b.i)
    .map(({ st }) => st);
}

export function buildReleases(n: OcdsNaming, s: OcdsTenderSource): Json[] {
  const stages = stagesOf(s);
  return stages.map((stage, i) =>
    snapshot(n, s, stages.slice(0, i + 1), stage, `${ocidOf(n, s.transactionNo)}-${String(i + 1).padStart(2, '0')}-${TAG[stage.kind]}`, [TAG[stage.kind]]),
  );
}

export function buildCompiledRelease(n: OcdsNaming, s: OcdsTenderSource): Json {
  const stages = stagesOf(s);
  const last = stages[stages.length - 1];
  return snapshot(n, s, stages, last, `${ocidOf(n, s.transactionNo)}-compiled`, ['compiled'], true);
}

/** The process as it stood once `done` had happened (the last of them is `current`). */
function snapshot(n: OcdsNaming, s: OcdsTenderSource, done: Stage[], current: Stage, id: string, tag: string[], compiled = false): Json {
  const has = (kind: Stage['kind']) => done.some((d) => d.kind === kind);
  const amendmentsSoFar = s.amendments.filter((_, i) => done.some((d) => d.kind === 'amendment' && d.index === i));
  const awardsSoFar = s.awards.filter((_, i) => done.some((d) => d.kind === 'award' && d.index === i));
  const contractsSoFar = s.awards.filter((_, i) => done.some((d) => d.kind === 'contract' && d.index === i));
  // Documents public at the time of the snapshot (uploaded before publication: from the publication on); the compiled
  // release has every document public now.
  const documentsSoFar = compiled ? s.documents : s.documents.filter((d) => d.availableAt.getTime() <= current.date.getTime());
  // The deadline as it stood: the first amendment's previous deadline until then, then each amendment's.
  const deadline = amendmentsSoFar.length ? amendmentsSoFar[amendmentsSoFar.length - 1].bidDeadline : (s.amendments[0]?.previousBidDeadline ?? s.bidDeadline);

  const buyer = { id: partyId(s.procuringEntity.uscc), name: s.procuringEntity.name };
  const parties = new Map<string, Json & { roles: string[] }>();
  parties.set(buyer.id, {
    id: buyer.id,
    name: buyer.name,
    identifier: { scheme: USCC_SCHEME, id: s.procuringEntity.uscc, legalName: s.procuringEntity.name },
    roles: ['buyer', 'procuringEntity'],
  });
  const addParty = (uscc: string, name: string, role: string) => {
    const pid = partyId(uscc);
    const p = parties.get(pid) ?? { id: pid, name, identifier: { scheme: USCC_SCHEME, id: uscc, legalName: name }, roles: [] };
    if (!p.roles.includes(role)) p.roles.push(role);
    parties.set(pid, p);
  };

  const status = has('cancelled') ? 'cancelled' : has('failed') ? 'unsuccessful' : awardsSoFar.some((a) => a.status !== 'DEFAULTED') ? 'complete' : 'active';
  const [method, methodDetails] = METHOD[s.method] ?? ['open', s.method];
  const [criteria, criteriaDetails] = AWARD_CRITERIA[s.evaluationMethod] ?? [s.evaluationMethod, s.evaluationMethod];
  const tender: Json = {
    id: s.id,
    title: s.title,
    ...(s.description ? { description: s.description } : {}),
    status,
    procuringEntity: buyer,
    value: amount(s.budget),
    procurementMethod: method,
    procurementMethodDetails: methodDetails,
    ...(MAIN_CATEGORY[s.category] ? { mainProcurementCategory: MAIN_CATEGORY[s.category] } : {}),
    awardCriteria: criteria,
    awardCriteriaDetails: criteriaDetails,
    submissionMethod: ['electronicSubmission'],
    submissionMethodDetails: `全流程电子化交易：加密电子投标文件，开标时在线解密（${CATEGORY_DETAILS[s.category] ?? s.category}）`,
    tenderPeriod: { startDate: iso(s.publishedAt), endDate: iso(deadline) },
    ...(documentsSoFar.length
      ? {
          documents: documentsSoFar.map((d) => ({
            id: d.id,
            documentType: d.amendmentId ? 'clarifications' : 'biddingDocuments',
            title: d.version > 1 ? `${d.name}（第${d.version}版）` : d.name,
            description: `SHA-256 ${d.sha256}`,
            ...(n.baseUrl ? { url: `${n.baseUrl}/api/v1/tenders/${s.id}/documents/${d.id}/content` } : {}),
            datePublished: iso(d.availableAt),
            format: d.contentType,
            language: 'zh',
          })),
        }
      : {}),
    ...(amendmentsSoFar.length
      ? {
          amendments: amendmentsSoFar.map((a) => ({
            id: String(a.seq),
            date: iso(a.publishedAt),
            rationale: a.kind === 'CLARIFICATION' ? '澄清' : '修改',
            description: a.text,
          })),
        }
      : {}),
  };

  const release: Json = { ocid: ocidOf(n, s.transactionNo), id, date: iso(current.date), tag, initiationType: 'tender', language: 'zh' };

  // Bids: only once the opening record is public (the decryption window has closed).
  let bids: Json | undefined;
  if (has('opening') && s.opening) {
    const resultPublic = awardsSoFar.length > 0;
    const rejected = new Set(s.rejectedBidIds);
    const details = s.opening.record.bids.map((b) => {
      addParty(b.bidderUscc, b.bidderName, 'tenderer');
      const opened = b.status === 'DECRYPTED';
      return {
        id: b.bidId,
        date: b.receivedAt,
        // Decrypted bids await evaluation until the result is public; then the report's rejections are disqualified.
        status: !opened ? 'withdrawn' : !resultPublic ? 'pending' : rejected.has(b.bidId) ? 'disqualified' : 'valid',
        tenderers: [{ id: partyId(b.bidderUscc), name: b.bidderName }],
        ...(opened && b.price !== null ? { value: amount(b.price) } : {}),
      };
    });
    const date = iso(s.opening.createdAt);
    const statistics: Json[] = [
      { id: 'bids', measure: 'bids', value: details.length, date },
      { id: 'bidders', measure: 'bidders', value: new Set(details.map((d) => d.tenderers[0].id)).size, date },
    ];
    if (resultPublic) {
      statistics.push({ id: 'validBids', measure: 'validBids', value: details.filter((d) => d.status === 'valid').length, date: iso(awardsSoFar[0].noticeIssuedAt) });
      statistics.push({
        id: 'disqualifiedBids',
        measure: 'disqualifiedBids',
        value: details.filter((d) => d.status === 'disqualified').length,
        date: iso(awardsSoFar[0].noticeIssuedAt),
      });
    }
    bids = { statistics, details };
    tender.numberOfTenderers = new Set(details.map((d) => d.tenderers[0].id)).size;
    tender.tenderers = [...new Map(details.map((d) => [d.tenderers[0].id, d.tenderers[0]])).values()];
  }

  const awards = awardsSoFar.map((a) => {
    addParty(a.awardee.uscc, a.awardee.name, 'supplier');
    return {
      id: a.id,
      title: `${s.title} 中标结果`,
      status: a.status === 'DEFAULTED' ? 'cancelled' : 'active',
      date: iso(a.noticeIssuedAt),
      value: amount(a.price),
      suppliers: [{ id: partyId(a.awardee.uscc), name: a.awardee.name }],
      relatedBids: [a.bidId],
    };
  });
  const contracts = contractsSoFar.map((a) => ({
    id: a.contractNo ?? `${a.id}-contract`,
    awardID: a.id,
    title: `${s.title} 合同`,
    status: 'active',
    value: amount(a.contractAmount ?? a.price),
    dateSigned: iso(a.contractSignedAt!),
  }));

  return {
    ...release,
    parties: [...parties.values()],
    buyer,
    tender,
    ...(bids ? { bids } : {}),
    ...(awards.length ? { awards } : {}),
    ...(contracts.length ? { contracts } : {}),
  };
}
