import { createHash } from 'crypto';
import { type EntityManager } from 'typeorm';
import { type CreateTenderDto } from '../dto/create-tender.dto';
import { PENDING_APPROVAL_KINDS, type PreTenderDto } from '../dto/pre-tender.dto';
import { decodePreTenderDocument } from './pre-tender-document';
import { type PreTenderRepository } from './pre-tender.repository';

/**
 * The terms of a pre-tender (容缺预招标) and of the published qualification criteria, checked at drafting:
 * - TBL Art. 9 (not in regulations.md; from the statute text): a project that needs approval (审批/核准) is approved, and its funds are in place, before it is
 *   tendered — PROJECT_APPROVAL and FUNDING can never be pending items;
 * - each item at most once, each with its own date;
 * - qualification criteria: distinct codes (the panel records one finding per criterion, TBR Art. 49).
 */
export function checkPreTenderTerms(dto: CreateTenderDto): Array<{ field: string; errors: string[] }> {
  const out: Array<{ field: string; errors: string[] }> = [];
  const items = dto.preTender?.pendingApprovals ?? [];
  for (const [i, a] of items.entries()) {
    if (a.kind === 'PROJECT_APPROVAL' || a.kind === 'FUNDING') {
      out.push({
        field: `preTender.pendingApprovals.${i}.kind`,
        errors: [`${a.kind} cannot be pending: the project is approved and its funds are in place before tendering (TBL Art. 9 (not in regulations.md; from the statute text))`],
      });
    } else if (!(PENDING_APPROVAL_KINDS as readonly string[]).includes(a.kind)) {
      out.push({ field: `preTender.pendingApprovals.${i}.kind`, errors: [`kind must be one of ${PENDING_APPROVAL_KINDS.join(', ')}`] });
    }
  }
  const names = items.map((a) => `${a.kind}|${a.name}`);
  if (new Set(names).size !== names.length) out.push({ field: 'preTender.pendingApprovals', errors: ['each pending item once'] });
  const codes = (dto.qualificationCriteria ?? []).map((c) => c.code);
  if (new Set(codes).size !== codes.length) out.push({ field: 'qualificationCriteria', errors: ['each criterion code once'] });
  return out;
}

/** Stores the pledge (承诺书) and the pending items of a drafted pre-tender, in the drafting transaction. */
export async function storePreTender(repo: PreTenderRepository, m: EntityManager, tenderId: string, pre: PreTenderDto): Promise<void> {
  const content = decodePreTenderDocument(pre.pledge.contentBase64, 'preTender.pledge.contentBase64');
  const sha256 = createHash('sha256').update(content).digest('hex');
  await repo.insertPledge(m, tenderId, pre.pledge.name, content, sha256);
  for (const [i, a] of pre.pendingApprovals.entries()) {
    await repo.insertItem(m, tenderId, i + 1, { kind: a.kind, name: a.name, dueAt: new Date(a.dueAt) });
  }
}
