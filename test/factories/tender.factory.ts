import { Role } from 'src/common/auth/role.enum';
import { type TestApp } from '../helpers/test-app';
import { registerParty, type TestParty } from './identity.factory';

export interface TenderOptions {
  owner?: TestParty;
  /** The bid deadline, as milliseconds from now (tests run with LEGAL_PERIODS=relaxed) or an ISO instant. */
  deadlineInMs?: number;
  bidDeadline?: string;
  regime?: 'ENGINEERING' | 'GOV_PROCUREMENT';
  category?: string;
  budget?: string;
  priceCeiling?: string | null;
  bidSecurityAmount?: string;
  decryptionMode?: 'BIDDER' | 'ESCROW' | 'BIDDER_WITH_ESCROW_FALLBACK';
  windowMinutes?: number;
  evaluation?: Record<string, unknown>;
  panel?: { size: number; specialties: Array<{ code: string; count: number }> };
  title?: string;
  method?: 'OPEN' | 'INVITED';
  extra?: Record<string, unknown>;
  /** Upload a tender document before publishing (default true: required under LEGAL_PERIODS=enforced). */
  withDocument?: boolean;
}

/** The POST /tenders body of API.md, with sensible defaults for a Yancheng road-works tender. */
export function tenderBody(o: TenderOptions = {}): Record<string, unknown> {
  const deadline = o.bidDeadline ?? new Date(Date.now() + (o.deadlineInMs ?? 60 * 60_000)).toISOString();
  return {
    title: o.title ?? '盐城市开发大道改造工程施工',
    category: o.category ?? 'CONSTRUCTION_WORKS',
    regime: o.regime ?? 'ENGINEERING',
    method: o.method ?? 'OPEN',
    budget: o.budget ?? '40000000.00',
    ...(o.priceCeiling === null ? {} : { priceCeiling: o.priceCeiling ?? '38000000.00' }),
    bidDeadline: deadline,
    bidSecurityAmount: o.bidSecurityAmount ?? '200000.00',
    decryption: { mode: o.decryptionMode ?? 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: o.windowMinutes ?? 30 },
    evaluation: o.evaluation ?? { method: 'LOWEST_EVALUATED_PRICE' },
    panel: o.panel ?? { size: 5, specialties: [{ code: 'A08', count: 5 }] },
    ...(o.extra ?? {}),
  };
}

export interface TestTender {
  id: string;
  owner: TestParty;
  body: Record<string, unknown>;
  escrowPublicKey: string | null;
}

export async function createDraftTender(t: TestApp, o: TenderOptions = {}): Promise<TestTender> {
  const owner = o.owner ?? (await registerParty(t, { role: Role.PROCURING_ENTITY }));
  const body = tenderBody(o);
  const res = await t.http().post('/api/v1/tenders').set(owner.auth).send(body);
  if (res.status !== 201) throw new Error(`create tender failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, owner, body, escrowPublicKey: null };
}

/** Uploads a small tender document (招标文件) to a draft; returns its id. */
export async function uploadTenderDocument(
  t: TestApp,
  tender: TestTender,
  name = '招标文件.pdf',
  content = Buffer.from(`%PDF-1.4 招标文件 ${tender.id}`),
): Promise<{ id: string; sha256: string; version: number }> {
  const res = await t
    .http()
    .post(`/api/v1/tenders/${tender.id}/documents`)
    .set(tender.owner.auth)
    .send({ name, contentType: 'application/pdf', contentBase64: content.toString('base64') });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A published tender (the app must run with LEGAL_PERIODS=relaxed for deadlines in seconds). A tender document is
 * uploaded first unless `withDocument: false` (enforced periods require one, TBR Art. 16).
 */
export async function createPublishedTender(t: TestApp, o: TenderOptions = {}): Promise<TestTender> {
  const draft = await createDraftTender(t, o);
  if (o.withDocument !== false) await uploadTenderDocument(t, draft);
  const pub = await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(draft.owner.auth).send({});
  if (pub.status !== 200 && pub.status !== 201) throw new Error(`publish failed: ${pub.status} ${JSON.stringify(pub.body)}`);
  const got = await t.http().get(`/api/v1/tenders/${draft.id}`);
  return { ...draft, escrowPublicKey: got.body?.sealing?.escrowPublicKey ?? null };
}
