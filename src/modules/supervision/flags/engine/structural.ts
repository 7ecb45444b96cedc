/**
 * Structural flags of one tender: what only the platform sees — devices, addresses, payer accounts, document
 * metadata, legal representatives (regulations.md §2.2; collusion.md §4). Pure functions over TenderFlagInput.
 */
import { FLAG_CATALOGUE } from './flag-catalogue';
import { type BidRecord, FlagCode, type FlagDraft, type Severity, type TenderFlagInput } from './flag.types';
import { canonicalAccountNo, canonicalDeviceId, canonicalIp, canonicalMac, canonicalName } from './normalize';
import { GENERIC_DOCUMENT_AUTHORS, isIdentifyingMac, THRESHOLDS } from './thresholds';

interface Key {
  kind: string;
  value: string;
}

/** One value shared by two or more bidders, with the bids that carry it. */
export interface SharedValue extends Key {
  organizationIds: string[];
  bidIds: string[];
}

/** Groups the values `keysOf` extracts from each bid and keeps those held by ≥ 2 different organisations. */
export function sharedAcrossBidders<T extends { organizationId: string }>(items: T[], keysOf: (item: T) => Key[], idOf: (item: T) => string): SharedValue[] {
  const byKey = new Map<string, { kind: string; value: string; orgs: Set<string>; ids: Set<string> }>();
  for (const item of items) {
    for (const k of keysOf(item)) {
      const key = `${k.kind}\u0000${k.value}`;
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { kind: k.kind, value: k.value, orgs: new Set(), ids: new Set() }));
      e.orgs.add(item.organizationId);
      e.ids.add(idOf(item));
    }
  }
  const out: SharedValue[] = [];
  for (const e of byKey.values()) {
    if (e.orgs.size < 2) continue;
    out.push({ kind: e.kind, value: e.value, organizationIds: [...e.orgs].sort(), bidIds: [...e.ids].sort() });
  }
  return out.sort((a, b) => (a.kind + a.value < b.kind + b.value ? -1 : a.kind + a.value > b.kind + b.value ? 1 : 0));
}

/** One flag per set of bidders: every shared value naming exactly the same bidders goes into one flag's evidence. */
export function mergeByBidders(shared: SharedValue[]): Array<{ bidderIds: string[]; matches: SharedValue[] }> {
  const groups = new Map<string, { bidderIds: string[]; matches: SharedValue[] }>();
  for (const s of shared) {
    const key = s.organizationIds.join(',');
    const g = groups.get(key) ?? { bidderIds: s.organizationIds, matches: [] };
    g.matches.push(s);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function draft(input: TenderFlagInput, code: FlagCode, severity: Severity, bidderIds: string[], evidence: Record<string, unknown>): FlagDraft {
  return {
    code,
    severity,
    bidderIds,
    expertIds: [],
    tenderIds: [input.tenderId],
    evidence,
    legalBasis: FLAG_CATALOGUE[code].legalBasis(input.regime),
  };
}

const matchEvidence = (matches: SharedValue[]) => matches.map((m) => ({ kind: m.kind, value: m.value, bidIds: m.bidIds, organizationIds: m.organizationIds }));

/** TBR Art. 40(1)/(2): the same machine code, or any identifying MAC address, on bids of different bidders. */
export function sameDevice(input: TenderFlagInput): FlagDraft[] {
  const shared = sharedAcrossBidders(
    input.bids,
    (b) => {
      const keys: Key[] = [];
      const device = canonicalDeviceId(b.deviceId);
      if (device) keys.push({ kind: 'deviceId', value: device });
      for (const raw of b.macAddresses) {
        const mac = canonicalMac(raw);
        if (mac && isIdentifyingMac(mac)) keys.push({ kind: 'mac', value: mac });
      }
      return keys;
    },
    (b) => b.bidId,
  );
  return mergeByBidders(shared).map((g) => draft(input, FlagCode.SAME_DEVICE, 'HIGH', g.bidderIds, { matches: matchEvidence(g.matches) }));
}

/**
 * TBR Art. 40(2), supporting evidence only (IP alone is not enough, regulations.md §2.2): MEDIUM when two bids of
 * different bidders from the address arrived within THRESHOLDS.sameIpNearSimultaneousMinutes, otherwise LOW.
 */
export function sameIp(input: TenderFlagInput): FlagDraft[] {
  const byId = new Map(input.bids.map((b) => [b.bidId, b]));
  const shared = sharedAcrossBidders(
    input.bids,
    (b) => (b.ip.trim() ? [{ kind: 'ip', value: canonicalIp(b.ip) }] : []),
    (b) => b.bidId,
  );
  return mergeByBidders(shared).map((g) => {
    const bids = [...new Set(g.matches.flatMap((m) => m.bidIds))].map((id) => byId.get(id)!);
    const gap = minGapBetweenBidders(bids);
    const near = gap !== null && gap <= THRESHOLDS.sameIpNearSimultaneousMinutes * 60_000;
    return draft(input, FlagCode.SAME_IP, near ? 'MEDIUM' : 'LOW', g.bidderIds, {
      matches: matchEvidence(g.matches),
      minMinutesBetweenBidders: gap === null ? null : Math.round(gap / 600) / 100,
      nearSimultaneousMinutes: THRESHOLDS.sameIpNearSimultaneousMinutes,
    });
  });
}

/** The smallest time between the receipts of two bids of different bidders (ms), or null. */
function minGapBetweenBidders(bids: BidRecord[]): number | null {
  const sorted = [...bids].sort((a, b) => a.receivedAt - b.receivedAt);
  let best: number | null = null;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      if (sorted[j].organizationId === sorted[i].organizationId) continue;
      const gap = sorted[j].receivedAt - sorted[i].receivedAt;
      if (best === null || gap < best) best = gap;
      break; // later j only widen the gap for this i
    }
  }
  return best;
}

/** The organisations whose bids were opened: only bidders can be named by a flag of the tender. */
const biddersOf = (input: TenderFlagInput) => new Set(input.bids.map((b) => b.organizationId));

/** TBR Art. 40(6): the bid securities of different bidders paid from the account of the same unit or person. */
export function samePayerAccount(input: TenderFlagInput): FlagDraft[] {
  const bidders = biddersOf(input);
  const payments = input.payments.filter((p) => bidders.has(p.organizationId) && p.payerAccountNo.trim());
  const shared = sharedAcrossBidders(
    payments,
    (p) => [{ kind: 'payerAccountNo', value: canonicalAccountNo(p.payerAccountNo) }],
    (p) => p.txnId,
  );
  return mergeByBidders(shared).map((g) =>
    draft(input, FlagCode.SAME_PAYER_ACCOUNT, 'HIGH', g.bidderIds, {
      matches: g.matches.map((m) => ({
        kind: m.kind,
        value: m.value,
        organizationIds: m.organizationIds,
        txnIds: m.bidIds,
        payerNames: [...new Set(payments.filter((p) => m.bidIds.includes(p.txnId)).map((p) => p.payerName))].sort(),
      })),
    }),
  );
}

/**
 * TBR Art. 26 ¶2: a domestic bidder's cash security for a must-tender engineering project comes from its basic
 * account (基本账户). Engineering regime only: procurement security is non-cash (GPR Art. 33), a different rule.
 */
export function payerNotBasicAccount(input: TenderFlagInput): FlagDraft[] {
  if (input.regime !== 'ENGINEERING') return [];
  const bidders = biddersOf(input);
  const orgs = new Map(input.organizations.map((o) => [o.id, o]));
  const byOrg = new Map<string, typeof input.payments>();
  for (const p of input.payments) {
    if (!bidders.has(p.organizationId) || p.payerIsBasicAccount !== false) continue;
    byOrg.set(p.organizationId, [...(byOrg.get(p.organizationId) ?? []), p]);
  }
  return [...byOrg.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([orgId, ps]) =>
      draft(input, FlagCode.PAYER_NOT_BASIC_ACCOUNT, 'MEDIUM', [orgId], {
        basicAccountNo: orgs.get(orgId)?.basicAccountNo ?? null,
        payments: ps.map((p) => ({ txnId: p.txnId, payerAccountNo: p.payerAccountNo, payerName: p.payerName })),
      }),
    );
}

/**
 * TBR Art. 34 ¶2–3 (GPR Art. 18): units whose 单位负责人 is the same person may not bid on the same lot; all such
 * bids are invalid. The registry holds names only, so a match is on the name and must be confirmed by identity.
 */
export function sameLegalRepresentative(input: TenderFlagInput): FlagDraft[] {
  const bidders = biddersOf(input);
  const orgs = input.organizations.filter((o) => bidders.has(o.id));
  const shared = sharedAcrossBidders(
    orgs.map((o) => ({ ...o, organizationId: o.id })),
    (o) => (canonicalName(o.legalRepresentative) ? [{ kind: 'legalRepresentative', value: canonicalName(o.legalRepresentative) }] : []),
    (o) => o.id,
  );
  return mergeByBidders(shared).map((g) =>
    draft(input, FlagCode.SAME_LEGAL_REPRESENTATIVE, 'HIGH', g.bidderIds, {
      legalRepresentative: g.matches[0].value,
      organizations: orgs.filter((o) => g.bidderIds.includes(o.id)).map((o) => ({ id: o.id, name: o.name, legalRepresentative: o.legalRepresentative })),
      matchedOn: 'name',
      note: '登记信息仅有姓名：须核实身份证件后认定为同一人 (names only: confirm the identity before rejecting the bids)',
    }),
  );
}

/**
 * TBR Art. 40(4) "abnormally consistent" / 40(1): the same file (SHA-256) in the bids of different bidders. Files
 * equal to the tender's own documents are excluded: quoting the template is not collusion (collusion.md §4).
 */
export function identicalAttachment(input: TenderFlagInput): FlagDraft[] {
  const template = new Set(input.tenderDocumentSha256s.map((h) => h.toLowerCase()));
  const shared = sharedAcrossBidders(
    input.bids,
    (b) => [...new Set(b.attachmentSha256s.map((h) => h.toLowerCase()))].filter((h) => !template.has(h)).map((h) => ({ kind: 'sha256', value: h })),
    (b) => b.bidId,
  );
  return mergeByBidders(shared).map((g) =>
    draft(input, FlagCode.IDENTICAL_ATTACHMENT, 'HIGH', g.bidderIds, { matches: matchEvidence(g.matches), excludedTemplateHashes: template.size }),
  );
}

/** TBR Art. 40(1): bids of different bidders prepared by the same person (document author metadata). */
export function sameDocumentAuthor(input: TenderFlagInput): FlagDraft[] {
  const shared = sharedAcrossBidders(
    input.bids,
    (b) => {
      const a = canonicalName(b.documentAuthor ?? '');
      return GENERIC_DOCUMENT_AUTHORS.has(a) ? [] : [{ kind: 'documentAuthor', value: a }];
    },
    (b) => b.bidId,
  );
  return mergeByBidders(shared).map((g) => draft(input, FlagCode.SAME_DOCUMENT_AUTHOR, 'MEDIUM', g.bidderIds, { matches: matchEvidence(g.matches) }));
}

export const STRUCTURAL_RULES = [sameDevice, sameIp, samePayerAccount, payerNotBasicAccount, sameLegalRepresentative, identicalAttachment, sameDocumentAuthor];
