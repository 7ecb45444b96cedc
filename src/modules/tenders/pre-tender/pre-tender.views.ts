import { type EntityManager } from 'typeorm';
import { type PendingApprovalRow, type PreTenderRepository } from './pre-tender.repository';

export interface PendingApprovalView {
  id: string;
  position: number;
  kind: string;
  name: string;
  dueAt: string;
  status: 'PENDING' | 'SUPPLIED' | 'ACCEPTED' | 'OVERDUE';
  documentNo: string | null;
  suppliedDocument: { name: string; sha256: string } | null;
  suppliedAt: string | null;
  acceptedAt: string | null;
  rejectionReason: string | null;
  rejectedAt: string | null;
}

/** What every reader of a pre-tender (容缺预招标) sees: the notice, the pledge's name and hash, and each item. */
export interface PreTenderView {
  notice: string;
  pledge: { name: string; sha256: string };
  pendingApprovals: PendingApprovalView[];
  /** Every item supplied and accepted: the contract may be signed. */
  complete: boolean;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const PRE_TENDER_NOTICE =
  '本项目为容缺预招标项目：招标人已书面承诺在下列期限前补齐尚未取得的审批文件。评标和定标可以进行，但全部事项补齐并经监督部门确认前不得签订合同；' +
  '任何一项未在承诺期限前补齐的，本次招标依法终止，已缴纳的投标保证金连同同期存款利息退还（招标投标法实施条例第三十一条）。';

/** The pre-tender views of these tenders (only those with pre_tender = true have one). */
export async function loadPreTenderViews(repo: PreTenderRepository, m: EntityManager, tenderIds: string[]): Promise<Map<string, PreTenderView>> {
  const out = new Map<string, PreTenderView>();
  if (tenderIds.length === 0) return out;
  const pledges = await repo.pledgesOf(m, tenderIds);
  const items = await repo.itemsOfTenders(m, tenderIds);
  for (const p of pledges) {
    const mine = items.filter((i) => i.tenderId === p.tenderId).map(toItemView);
    out.set(p.tenderId, {
      notice: PRE_TENDER_NOTICE,
      pledge: { name: p.documentName, sha256: p.sha256 },
      pendingApprovals: mine,
      complete: mine.every((i) => i.status === 'ACCEPTED'),
    });
  }
  return out;
}

export function toItemView(r: PendingApprovalRow): PendingApprovalView {
  return {
    id: r.id,
    position: r.position,
    kind: r.kind,
    name: r.name,
    dueAt: new Date(r.dueAt).toISOString(),
    status: r.status,
    documentNo: r.documentNo ?? null,
    suppliedDocument: r.suppliedDocumentSha256 ? { name: r.suppliedDocumentName!, sha256: r.suppliedDocumentSha256 } : null,
    suppliedAt: iso(r.suppliedAt),
    acceptedAt: iso(r.acceptedAt),
    rejectionReason: r.rejectionReason ?? null,
    rejectedAt: iso(r.rejectedAt),
  };
}
