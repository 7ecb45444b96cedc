import {
  Alert,
  message as antdMessage,
  Button,
  Card,
  ConfigProvider,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Progress,
  Radio,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { API_BASE, api, getAccessToken, saveBlob } from '@/api/client';
import { fetchMyBid } from '@/api/my-bids';
import { ApiError, errorText } from '@/api/errors';
import type { BidReceiptView, BidSecurityAccount, MyBid, MyBidSecurity, Tender } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { Countdown } from '@/components/Countdown';
import { FileInput, readFileBytes } from '@/components/FileInput';
import { CONSOLE_TOOL_VERSION, browserDeviceId } from '@/lib/device';
import { BID_SECURITY_STATUS, BID_STATUS, label, yuan } from '@/lib/labels';
import { formatBeijingLabel } from '@/lib/time';
import { serverNow } from '@/api/server-clock';
import { base64Encode, browserCrypto, isValidPrice, MAX_PLAINTEXT_BYTES, sealBidInBrowser, verifyReceiptInBrowser } from '@shared/sdk/browser';
import type { BidReceiptV2, PendingBidUpload, RetryInfo, SealAndUploadProgress, SuiteId } from '@shared/sdk/v2/browser';
import {
  deletePendingUpload,
  type FileFingerprint,
  fingerprintFile,
  loadPendingUpload,
  matchFiles,
  type PendingUploadOwner,
  purgeExpiredPendingUploads,
  savePendingUpload,
} from './pending-upload-store';
import { LotChoice } from './LotChoice';
import { bidLot, lotLabel, useLotParam } from './lots';

/** Whose interrupted upload this page keeps: the user, the tender and, on a tender with lots, the lot (one per lot). */
function pendingOwner(userId: string, tender: Tender, wantedLot: number | null): PendingUploadOwner {
  return { userId, tenderId: tender.id, lotId: tender.lots?.length ? String(bidLot(tender, wantedLot).lotNo) : null };
}

/** An amount in yuan ("36500000.5", "36500000.00") as integer fen, compared exactly (no floating point). */
function centsOf(amount: string): bigint {
  const [whole, frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
}

interface BidForm {
  price: string;
  durationDays?: number;
  documentAuthor?: string;
}

interface Submitted {
  receipt: BidReceiptView;
  keyCommitment: string;
  keyFile: string | null;
  verified: boolean | null;
  /** Verified again from GET /tenders/{id}/bids/mine when the bidder came back (not the answer of this page's submission). */
  reverified?: boolean;
  /** A format v2 submission: its own receipt (the envelope signature covers the whole envelope). */
  v2?: { receipt: BidReceiptV2; suite: SuiteId };
}

/**
 * Which format the console seals in (docs/SEALED_BID_FORMAT.md "format v2"). Format v2 — streamed from the File in
 * segments, uploaded in resumable pieces — whenever the bid carries more than V1_MAX_ATTACHMENT_BYTES of attachments
 * or the suite is GM-1 (v1 is INTL crypto only), provided the tender accepts a v2 suite. A small INTL-1 bid (price
 * and small attachments) keeps v1: one request, byte-for-byte what v1 clients send, nothing held long in the browser.
 * A tender that accepts no v2 suite gets v1 (within v1's 20 MiB).
 */
const V1_MAX_ATTACHMENT_BYTES = 1024 * 1024;
const SUITE_TEXT: Record<SuiteId, string> = {
  'INTL-1': 'INTL-1（AES-256-GCM · X25519 · Ed25519）',
  'GM-1': 'GM-1 国密（SM4-GCM · SM2 · SM3）',
};
const isSuite = (s: string): s is SuiteId => s === 'INTL-1' || s === 'GM-1';

/**
 * A v2 upload abandoned after its retries, to be resumed (继续上传): the upload, the key and nonce prefix that re-seal
 * the same bytes, and the form and files it was sealed from. Also kept in this browser (pending-upload-store.ts,
 * the key encrypted) unless the browser cannot: then a reload loses it.
 */
interface PendingResume {
  pending: PendingBidUpload;
  form: BidForm;
  suite: SuiteId;
  organizationId: string;
  /** The files in this page's memory; empty after a reload until the bidder chooses them again. */
  files: File[];
  failure: string;
  /** Kept in this browser (survives a reload). */
  persisted: boolean;
  /** Restored after a reload: the fingerprints of the files to choose again, and the platform's offset (null: unknown). */
  restored?: { expected: FileFingerprint[]; offset: number | null };
}

/** The bidder's choice of files for a restored upload: checked against the fingerprints (null: none chosen yet). */
type Rechosen = { ok: true; files: File[] } | { ok: false; message: string } | null;

/** The platform cannot continue the upload any more (gone, closed, refused, deadline passed): its record goes. */
const uploadIsDead = (e: unknown) =>
  e instanceof ApiError && (e.status === 404 || e.status === 410 || ['UPLOAD_CLOSED', 'UPLOAD_HASH_MISMATCH', 'BID_DEADLINE_PASSED', 'UPLOAD_OFFSET_MISMATCH'].includes(e.code));

/**
 * A restored upload needs the files chosen again unless the platform already has every byte (only the finalisation
 * was lost): then nothing is re-sealed (resumeUploadV2 finalises straight away).
 */
const needFiles = (r: PendingResume) => !!r.restored && r.restored.expected.length > 0 && r.restored.offset !== r.pending.total;

/** The upload was abandoned and kept for 继续上传 (its own warning says so; no error alert besides it). */
class UploadInterrupted extends Error {}

/** A v2 receipt rebuilt from GET /tenders/{id}/bids/mine (envelope fields included), to verify it again. */
async function reverifyV2(b: MyBid, tenderId: string, keys: () => Promise<{ receiptPublicKey: string; receiptPublicKeySm2?: string | null }>): Promise<Submitted> {
  const suiteId = b.suite && isSuite(b.suite) ? b.suite : null;
  const base = { receipt: b, keyCommitment: b.keyCommitment, keyFile: null, reverified: true };
  if (!suiteId || !b.envelope) return { ...base, verified: null };
  const v2 = await import('@shared/sdk/v2/browser');
  const receipt: BidReceiptV2 = {
    bidId: b.bidId,
    version: b.version,
    receivedAt: b.receivedAt,
    formatVersion: 2,
    suite: suiteId,
    ciphertextHash: b.ciphertextSha256,
    ciphertextLength: b.envelope.ciphertextLength,
    envelopeHash: b.envelopeSha256 ?? '',
    envelopeSignature: b.envelopeSignature ?? b.signature,
    escrowedKeyStored: b.hasEscrowedKey,
  };
  let verified = false;
  try {
    verified = await v2.verifyReceiptV2({
      suite: v2.browserSuite(suiteId),
      receipt,
      tenderId,
      bidderOrganizationId: b.bidderOrganizationId,
      envelope: {
        formatVersion: 2,
        suite: suiteId,
        segmentSize: b.envelope.segmentSize,
        ciphertextLength: b.envelope.ciphertextLength,
        ciphertextHash: b.ciphertextSha256,
        noncePrefix: b.envelope.noncePrefix,
        keyCommitment: b.keyCommitment,
        ...(b.envelope.escrowedKey ? { escrowedKey: b.envelope.escrowedKey } : {}),
      },
      receiptPublicKey: v2.receiptPublicKeyFor(suiteId, await keys()),
    });
  } catch {
    verified = false; // no receipt key for the suite, malformed fields: not verified
  }
  return { ...base, verified, v2: { receipt, suite: suiteId } };
}

/** What the sealing shows while it runs (format v2). */
interface V2Progress {
  phase: SealAndUploadProgress['phase'];
  sealed: number;
  uploaded: number;
  total: number;
  retries: RetryInfo[];
}

/**
 * /tenders/<id>/bid — the bidder's desk: the bid-security virtual account and its live status, the bid sealed IN THE
 * BROWSER (src/sdk/browser.ts: the SDK's own format code on WebCrypto, pure-JS fallback), the key offered only as a
 * download, the signed receipt verified here against GET /platform/keys; replace or withdraw before the deadline.
 */
const percentOf = (done: number, total: number) => (total > 0 ? Math.floor((done / total) * 100) : 0);
const mib = (n: number) => (n / 1048576).toFixed(1);

export default function BidPage() {
  const { id = '' } = useParams();
  const { me } = useAuth();
  const [message, messageHolder] = antdMessage.useMessage();
  const [tender, setTender] = useState<Tender | null>(null);
  const [account, setAccount] = useState<BidSecurityAccount | null>(null);
  const [security, setSecurity] = useState<MyBidSecurity | null>(null);
  const [mine, setMine] = useState<MyBid | null>(null);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const [keyDownloaded, setKeyDownloaded] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'seal' | 'withdraw' | null>(null);
  const [chosenSuite, setChosenSuite] = useState<SuiteId | null>(null);
  const [progress, setProgress] = useState<V2Progress | null>(null);
  const [resumable, setResumable] = useState<PendingResume | null>(null);
  const [rechosen, setRechosen] = useState<Rechosen>(null);
  const [form] = Form.useForm<BidForm>();
  const restoreTried = useRef(false);
  const platformKeys = useRef<{ receiptPublicKey: string; receiptPublicKeySm2?: string | null } | null>(null);
  // 标段: the lot of the address (LotBidPage remounts the page when it changes); null on a tender without lots.
  const wantedLot = useLotParam();

  // Fetched once per page (the ref), so these are stable across renders.
  const keys = useCallback(async () => (platformKeys.current ??= await api.get<{ receiptPublicKey: string; receiptPublicKeySm2?: string | null }>('/platform/keys')), []);
  const receiptKey = useCallback(async () => (await keys()).receiptPublicKey, [keys]);

  const mineLot = useRef<number | undefined>(undefined); // the lot's own bid (a tender with lots); set with the tender

  const loadMine = useCallback(async () => {
    const b = await fetchMyBid(id, mineLot.current);
    setMine(b);
    return b;
  }, [id]);

  useEffect(() => {
    // The loader catches its own errors (shown in the page), so nothing awaits it.
    void (async () => {
      try {
        const t = await api.get<Tender>(`/tenders/${id}`);
        setTender(t);
        mineLot.current = t.lots?.length ? bidLot(t, wantedLot).lotNo : undefined;
        const b = await loadMine();
        // A bid already submitted (e.g. in an earlier visit): verify its latest receipt here too. A v2 version's
        // receipt signs the whole envelope: GET /tenders/{id}/bids/mine returns its fields (nonce prefix, escrowed
        // key…) for the bidder's own bid, so the envelope hash is recomputed and the signature checked here.
        if (b && b.status !== 'WITHDRAWN' && b.formatVersion === 2) {
          setSubmitted(await reverifyV2(b, id, keys));
        } else if (b && b.status !== 'WITHDRAWN') {
          const ok = await verifyReceiptInBrowser({
            receipt: b,
            tenderId: id,
            bidderOrganizationId: b.bidderOrganizationId,
            keyCommitment: b.keyCommitment,
            receiptPublicKeyPem: await receiptKey(),
          });
          setSubmitted({ receipt: b, keyCommitment: b.keyCommitment, keyFile: null, verified: ok, reverified: true });
        }
        if (t.status === 'PUBLISHED') {
          setAccount(await api.get<BidSecurityAccount>(`${bidLot(t, wantedLot).base}/bid-security/account`));
        }
      } catch (e) {
        setLoadError(errorText(e));
      }
    })();
  }, [id, loadMine, receiptKey, keys, wantedLot]);

  // The bid security's status, live (the bank's notification arrives asynchronously).
  useEffect(() => {
    if (!tender) return;
    let stop = false;
    const poll = async () => {
      try {
        const s = await api.get<MyBidSecurity>(`${bidLot(tender, wantedLot).base}/bid-security/mine`);
        if (!stop) setSecurity(s);
      } catch {
        /* shown as unknown */
      }
    };
    void poll();
    const timer = window.setInterval(poll, 5000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [id, tender, wantedLot]);

  // An upload interrupted in an earlier visit (reload, closed tab, crashed browser) and kept in this browser: offered
  // again with 继续上传 while the platform still holds it open and the deadline has not passed; otherwise forgotten.
  const userId = me?.userId;
  useEffect(() => {
    if (!tender || !userId || restoreTried.current) return;
    restoreTried.current = true;
    const owner = pendingOwner(userId, tender, wantedLot);
    void (async () => {
      await purgeExpiredPendingUploads(serverNow(), owner);
      const rec = await loadPendingUpload(owner, serverNow(), tender.bidDeadline);
      if (!rec) return;
      // Bidding over (opened, cancelled…): forgotten. Suspended (暂停): kept, offered again once bidding resumes.
      if (tender.status !== 'PUBLISHED') return void (await deletePendingUpload(owner));
      if (tender.suspended) return;
      let offset: number | null = null;
      try {
        const u = await api.get<{ status: string; offset: number; length: number }>(`/tenders/${tender.id}/bid-uploads/${rec.pending.uploadId}`);
        if (u.status !== 'OPEN' || u.length !== rec.pending.total) return void (await deletePendingUpload(owner));
        offset = u.offset;
      } catch (e) {
        if (uploadIsDead(e)) return void (await deletePendingUpload(owner));
        // Unreachable now: offered anyway (继续上传 asks again).
      }
      form.setFieldsValue(rec.form);
      setChosenSuite(rec.suite);
      setRechosen(null);
      setResumable({
        pending: rec.pending,
        form: rec.form,
        suite: rec.suite,
        organizationId: rec.organizationId,
        files: [],
        failure: rec.failure,
        persisted: true,
        restored: { expected: rec.files, offset },
      });
      setProgress({ phase: 'upload', sealed: rec.pending.total, uploaded: offset ?? 0, total: rec.pending.total, retries: [] });
    })();
  }, [tender, userId, form, wantedLot]);

  // Leaving before the key is downloaded loses the only copy of the key; leaving mid-upload (v2) or with an upload
  // waiting to be resumed that this browser could not keep loses the upload.
  useEffect(() => {
    if (busy !== 'seal' && (!resumable || resumable.persisted) && (!submitted?.keyFile || keyDownloaded)) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [submitted, keyDownloaded, busy, resumable]);

  if (loadError) return <Alert type="error" showIcon title={loadError} />;
  if (!tender || !me) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  const lot = bidLot(tender, wantedLot);
  const open = tender.status === 'PUBLISHED' && !tender.suspended;
  const accepted = (tender.sealing.acceptedSuites ?? []).filter(isSuite);
  // INTL-1 when the tender accepts both (the bidder may choose GM-1), GM-1 when only it.
  const suite: SuiteId | null = chosenSuite && accepted.includes(chosenSuite) ? chosenSuite : accepted.includes('INTL-1') ? 'INTL-1' : (accepted[0] ?? null);
  const attachmentBytes = files.reduce((n, f) => n + f.size, 0);
  const useV2 = !!resumable || (suite !== null && (suite === 'GM-1' || attachmentBytes > V1_MAX_ATTACHMENT_BYTES));
  const v2Limit = tender.sealing.maxBidFileBytes ?? null;
  const owner = pendingOwner(me.userId, tender, wantedLot);
  // While an interrupted upload waits, the form shows the values it was sealed from, read-only (the resume uses them).
  const locked = busy === 'seal' || !!resumable;

  /**
   * Format v2: sealed from the Files' streams and uploaded in resumable pieces (src/sdk/v2/upload.ts). With `resume`,
   * continues an upload abandoned after its retries from the offset the platform reports (HEAD), re-sealing the same
   * files with the same key and nonce prefix. When the retries run out again, the upload is kept for 继续上传.
   */
  const sealV2 = async (v: BidForm, suiteId: SuiteId, organizationId: string, bidFiles: File[], resume?: PendingBidUpload) => {
    const v2 = await import('@shared/sdk/v2/browser'); // lazily: the GM code stays out of the first load
    const escrowText = tender.decryption.mode === 'BIDDER' ? null : suiteId === 'GM-1' ? tender.sealing.escrowPublicKeySm2 : tender.sealing.escrowPublicKey;
    const escrowPublicKey = escrowText ? (suiteId === 'GM-1' ? v2.fromHex(escrowText) : v2.base64DecodeStrict(escrowText)) : null;
    if (escrowText && !escrowPublicKey) throw new Error('招标项目的托管公钥无效，请联系交易中心');
    const state: V2Progress = resume
      ? { phase: 'upload', sealed: resume.total, uploaded: 0, total: resume.total, retries: [] }
      : { phase: 'seal', sealed: 0, uploaded: 0, total: 0, retries: [] };
    setProgress({ ...state });
    const suitePrimitives = v2.browserSuite(suiteId);
    const input: Parameters<typeof v2.sealAndUploadV2>[0] = {
      suite: suitePrimitives,
      tenderId: tender.id,
      bidderOrganizationId: organizationId,
      bid: { price: v.price.trim(), currency: 'CNY', ...(v.durationDays ? { durationDays: v.durationDays } : {}) },
      attachments: () => bidFiles.map((f) => ({ name: f.name, size: f.size, content: v2.blobChunks(f) })),
      escrowPublicKey: escrowPublicKey ?? undefined,
      client: {
        deviceId: browserDeviceId(),
        toolVersion: `${CONSOLE_TOOL_VERSION} (sealed-bid v2 ${suiteId})`,
        ...(v.documentAuthor?.trim() ? { documentAuthor: v.documentAuthor.trim() } : {}),
      },
      ...lot.upload, // 标段: the lot bid for (none on a tender without lots)
      transport: {
        url: `${API_BASE}/tenders/${tender.id}/bid-uploads`,
        headers: (): Record<string, string> => (getAccessToken() ? { Authorization: `Bearer ${getAccessToken()}` } : {}),
      },
      onProgress: (p) => {
        state.phase = p.phase;
        state.total = p.total;
        if (p.phase === 'seal') state.sealed = p.done;
        else state.uploaded = p.done;
        if (p.phase !== 'seal') state.sealed = p.total;
        setProgress({ ...state });
      },
      onRetry: (r) => {
        state.retries = [...state.retries, r];
        setProgress({ ...state });
      },
    };
    const done = await (resume ? v2.resumeUploadV2(input, resume) : v2.sealAndUploadV2(input)).catch(async (e: unknown) => {
      if (e instanceof v2.BidUploadInterruptedError) {
        // The retries ran out: the upload stays open on the platform; keep what resuming it needs, in this page and
        // (the key encrypted) in this browser, so that a reload or a browser restart can still resume it.
        const failure = errorText(new ApiError(e.status, e.code, e.message, e.details));
        const fingerprints = await Promise.all(bidFiles.map(fingerprintFile)).catch(() => null);
        const persisted =
          fingerprints !== null &&
          (await savePendingUpload(owner, { pending: e.pending, suite: suiteId, organizationId, form: v, files: fingerprints, failure, bidDeadline: tender.bidDeadline }));
        setResumable({ pending: e.pending, form: v, suite: suiteId, organizationId, files: bidFiles, failure, persisted });
        throw new UploadInterrupted();
      }
      if (e instanceof v2.BidUploadError) throw new ApiError(e.status, e.code, e.message, e.details);
      throw e;
    });
    setResumable(null);
    await deletePendingUpload(owner); // finalised: nothing to resume any more
    const verified = await v2.verifyReceiptV2({
      suite: suitePrimitives,
      receipt: done.receipt,
      tenderId: tender.id,
      bidderOrganizationId: organizationId,
      envelope: done.envelope,
      receiptPublicKey: v2.receiptPublicKeyFor(suiteId, await keys()),
    });
    const r = done.receipt;
    const keyFile = v2.keyFileTextV2({
      suite: suiteId,
      tenderId: tender.id,
      bidderOrganizationId: organizationId,
      keyCommitment: done.envelope.keyCommitment,
      ciphertextHash: done.envelope.ciphertextHash,
      key: done.key,
    });
    const view: BidReceiptView = { bidId: r.bidId, version: r.version, receivedAt: r.receivedAt, ciphertextSha256: r.ciphertextHash, signature: r.envelopeSignature };
    return { receipt: view, keyCommitment: done.envelope.keyCommitment, keyFile, verified, v2: { receipt: r, suite: suiteId } } satisfies Submitted;
  };

  const seal = async (v: BidForm) => {
    if (!me.organizationId) return;
    setBusy('seal');
    setError(null);
    setProgress(null);
    setResumable(null); // a new seal: an abandoned upload is not resumed any more (the platform lets it expire)
    await deletePendingUpload(owner);
    try {
      if (useV2 && suite) {
        const s = await sealV2(v, suite, me.organizationId, files);
        setSubmitted(s);
        setKeyDownloaded(false);
        await loadMine();
        message.success(s.receipt.version > 1 ? `已替换为第 ${s.receipt.version} 版投标文件` : '投标文件已加密递交');
        return;
      }
      const attachments = [];
      for (const f of files) attachments.push({ name: f.name, contentBase64: base64Encode(await readFileBytes(f)) });
      const sealed = await sealBidInBrowser({
        tenderId: tender.id,
        bidderOrganizationId: me.organizationId,
        plaintext: {
          price: v.price.trim(),
          currency: 'CNY',
          ...(v.durationDays ? { durationDays: v.durationDays } : {}),
          ...(attachments.length ? { attachments } : {}),
        },
        escrowPublicKey: tender.decryption.mode === 'BIDDER' ? null : tender.sealing.escrowPublicKey,
        client: { deviceId: browserDeviceId(), toolVersion: CONSOLE_TOOL_VERSION, ...(v.documentAuthor?.trim() ? { documentAuthor: v.documentAuthor.trim() } : {}) },
      });
      // Only the sealed request leaves the browser: never the key, never the plaintext.
      const receipt = await api.post<BidReceiptView>(`${lot.base}/bids`, sealed.request);
      const verified = await verifyReceiptInBrowser({
        receipt,
        tenderId: tender.id,
        bidderOrganizationId: me.organizationId,
        keyCommitment: sealed.request.keyCommitment,
        receiptPublicKeyPem: await receiptKey(),
        ciphertext: sealed.ciphertext,
      });
      setSubmitted({ receipt, keyCommitment: sealed.request.keyCommitment, keyFile: sealed.keyFile, verified });
      setKeyDownloaded(false);
      await loadMine();
      message.success(receipt.version > 1 ? `已替换为第 ${receipt.version} 版投标文件` : '投标文件已加密递交');
    } catch (e) {
      if (!(e instanceof UploadInterrupted)) setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  /** 继续上传: the abandoned upload continues from the platform's offset (HEAD), then is finalised. */
  const resumeUpload = async () => {
    if (!resumable) return;
    const r = resumable;
    // After a reload: the files the bidder chose again, checked against the fingerprints.
    const bidFiles = r.restored ? (!needFiles(r) ? [] : rechosen?.ok ? rechosen.files : null) : r.files;
    if (!bidFiles) return;
    setBusy('seal');
    setError(null);
    try {
      const s = await sealV2(r.form, r.suite, r.organizationId, bidFiles, r.pending);
      setSubmitted(s);
      setKeyDownloaded(false);
      setRechosen(null);
      await loadMine();
      message.success(s.receipt.version > 1 ? `已替换为第 ${s.receipt.version} 版投标文件` : '投标文件已加密递交');
    } catch (e) {
      if (e instanceof UploadInterrupted) return;
      const changed = e instanceof Error && e.name === 'SealedBidError' && /changed/.test(e.message);
      if (uploadIsDead(e) || changed) {
        // The platform cannot finish this upload (expired, closed, refused, deadline passed) or the files changed:
        // forget it; the form is open again for a new seal.
        await deletePendingUpload(owner);
        setResumable(null);
        setRechosen(null);
        setError(
          e instanceof ApiError && e.code === 'UPLOAD_HASH_MISMATCH'
            ? '平台核对文件摘要不一致，拒绝了本次上传：所选文件与中断前加密的文件不同（或数据在传输中损坏）。本次上传已作废，请重新加密递交。'
            : changed
              ? '投标文件在加密过程中被修改，本次上传已作废，请重新加密递交。'
              : `无法继续本次上传（${errorText(e)}），请重新加密递交。`,
        );
      } else setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  /** 放弃并重新加密: the interrupted upload is forgotten here (the platform lets it expire); the form is open again. */
  const discardPending = async () => {
    await deletePendingUpload(owner);
    setResumable(null);
    setRechosen(null);
    setProgress(null);
    setError(null);
    message.info('已放弃中断的上传，可修改后重新加密递交');
  };

  const chooseAgain = async (chosen: File[]) => {
    if (!resumable?.restored) return;
    setRechosen(chosen.length ? await matchFiles(resumable.restored.expected, chosen) : null);
  };

  const withdraw = async () => {
    setBusy('withdraw');
    setError(null);
    try {
      await api.delete(`${lot.base}/bids/mine`);
      setSubmitted(null);
      setResumable(null); // an interrupted replacement is not resumed after a withdrawal
      setRechosen(null);
      await deletePendingUpload(owner);
      await loadMine();
      message.success('投标已撤回');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const fallback = browserCrypto().usedFallback();
  const hasActiveBid = mine && mine.status === 'SUBMITTED';

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {messageHolder}
      <div>
        <Typography.Title level={2} style={{ marginBottom: 4 }}>
          投标：{tender.title}
        </Typography.Title>
        <Space wrap>
          <Typography.Text>投标截止：{formatBeijingLabel(tender.bidDeadline)}</Typography.Text>
          {open && <Countdown until={tender.bidDeadline} label="剩余" />}
          <Link to={`/tenders/${tender.id}`}>返回项目</Link>
        </Space>
      </div>

      {lot.hasLots && (
        <LotChoice
          tender={tender}
          lotNo={lot.lotNo}
          disabled={busy !== null || !!resumable || (!!submitted?.keyFile && !keyDownloaded)}
          reason={busy ? '正在递交，完成后可切换标段' : '请先下载本标段的密钥文件（或完成续传）再切换标段'}
          refreshKey={mine ? `${mine.bidId}:${mine.version}:${mine.status}` : ''}
        />
      )}

      <Card title={lot.hasLots ? `投标保证金（${lotLabel({ lotNo: lot.lotNo, title: lot.title ?? '' })}）` : '投标保证金'} size="small">
        {/^0(\.0+)?$/.test(lot.bidSecurityAmount) ? (
          <Typography.Text>{lot.hasLots ? '本标段不收取投标保证金。' : '本项目不收取投标保证金。'}</Typography.Text>
        ) : (
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            <Descriptions.Item label="应缴金额">{yuan(lot.bidSecurityAmount)}</Descriptions.Item>
            <Descriptions.Item label="缴纳状态">
              <span data-testid="bid-security-status">
                {security ? <Tag color={security.status === 'PAID' ? 'green' : 'orange'}>{label(BID_SECURITY_STATUS, security.status)}</Tag> : '查询中…'}
              </span>
              {security && security.paidAmount !== '0.00' && <span>已到账 {yuan(security.paidAmount)}</span>}
            </Descriptions.Item>
            <Descriptions.Item label={lot.hasLots ? '虚拟子账号（专用于本标段）' : '虚拟子账号（专用于本项目）'}>
              <span className="mono" data-testid="virtual-account">
                {account?.virtualAccountNo ?? security?.virtualAccountNo ?? '—'}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label="说明">请从本单位基本账户转账至上述虚拟子账号；到账后状态自动更新。</Descriptions.Item>
          </Descriptions>
        )}
      </Card>

      {open ? (
        <Card title={hasActiveBid ? '替换投标文件' : '加密并递交投标文件'} size="small">
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 16 }}
            title="投标文件在您的浏览器中加密"
            description={`报价和附件在本机用 ${suite === 'GM-1' ? 'SM4-GCM（国密）' : 'AES-256-GCM'} 加密，密钥只在本机生成，平台在开标前无法查看。大文件分段加密、分片上传，网络中断后自动续传。递交后请立即下载密钥文件并妥善保管，开标时需用它解密。`}
          />
          {/* While sealing and uploading, nothing that the sealed file was made from may change (disabled until it fails or ends). */}
          <Form<BidForm> form={form} layout="vertical" onFinish={seal} requiredMark={false} style={{ maxWidth: 560 }} disabled={locked}>
            <Form.Item
              label="投标报价（元）"
              name="price"
              rules={[
                { required: true, message: '请输入投标报价' },
                { validator: async (_r, v: string) => (v && !isValidPrice(v.trim()) ? Promise.reject(new Error('金额最多两位小数，如 36500000.00')) : undefined) },
                {
                  // A bid above the ceiling must be rejected at evaluation (TBR Art. 51(5)): say so before it is sealed,
                  // since the platform cannot see the price until the opening.
                  validator: async (_r, v: string) =>
                    v && lot.priceCeiling && isValidPrice(v.trim()) && centsOf(v.trim()) > centsOf(lot.priceCeiling)
                      ? Promise.reject(new Error(`投标报价高于${lot.hasLots ? '本标段' : ''}最高投标限价 ${yuan(lot.priceCeiling)}，将被否决`))
                      : undefined,
                },
              ]}
              extra={lot.priceCeiling ? `${lot.hasLots ? '本标段' : ''}最高投标限价 ${yuan(lot.priceCeiling)}` : undefined}
            >
              <Input inputMode="decimal" autoComplete="off" />
            </Form.Item>
            <Form.Item label="工期（日历天，可选）" name="durationDays">
              <InputNumber min={1} max={36500} precision={0} style={{ width: 200 }} />
            </Form.Item>
            {accepted.length > 1 ? (
              <Form.Item label="加密套件">
                <Radio.Group
                  aria-label="加密套件"
                  value={suite}
                  onChange={(e) => setChosenSuite(e.target.value as SuiteId)}
                  options={accepted.map((s) => ({ value: s, label: SUITE_TEXT[s] }))}
                />
              </Form.Item>
            ) : (
              suite && (
                <Form.Item label="加密套件">
                  <Typography.Text>{SUITE_TEXT[suite]}（本项目只接受此套件）</Typography.Text>
                </Form.Item>
              )
            )}
            <Form.Item label="投标文件（附件，可选，随报价一起加密）">
              <FileInput label="投标文件" multiple onFiles={setFiles} disabled={locked} />
              {!suite && attachmentBytes > MAX_PLAINTEXT_BYTES * 0.7 && <Typography.Text type="danger">附件过大</Typography.Text>}
              <div>
                <Typography.Text type="secondary" data-testid="sealing-format">
                  {useV2 ? '将以格式 v2 分段加密、分片上传（可断点续传）' : '将以格式 v1 加密后一次递交'}
                </Typography.Text>
              </div>
              {suite && v2Limit !== null && attachmentBytes > v2Limit && (
                <Typography.Text type="danger">附件超过本项目的上限（{Math.floor(v2Limit / 1048576)} MB）</Typography.Text>
              )}
            </Form.Item>
            <Form.Item label="文件编制人（可选）" name="documentAuthor">
              <Input />
            </Form.Item>
            {progress && (
              <div style={{ marginBottom: 16 }}>
                <Typography.Text>加密进度</Typography.Text>
                <Progress aria-label="加密进度" percent={percentOf(progress.sealed, progress.total)} />
                <Typography.Text>上传进度{progress.total > 0 && `（${mib(progress.uploaded)} / ${mib(progress.total)} MB）`}</Typography.Text>
                <Progress
                  aria-label="上传进度"
                  percent={percentOf(progress.uploaded, progress.total)}
                  status={busy === 'seal' && progress.phase === 'upload' ? 'active' : undefined}
                />
                {resumable && busy !== 'seal' ? (
                  <Typography.Text type="warning" data-testid="upload-abandoned">
                    {resumable.restored
                      ? `上次上传中断，已暂停；平台已收到 ${resumable.restored.offset === null ? '（暂时无法查询）' : `${mib(resumable.restored.offset)} / ${mib(progress.total)} MB`}`
                      : `分片上传重试 ${progress.retries.filter((r) => r.resumeAt === undefined).length} 次仍未成功，已暂停；平台已收到 ${mib(progress.uploaded)} MB`}
                  </Typography.Text>
                ) : (
                  progress.retries.some((r) => r.resumeAt !== undefined) && (
                    <Typography.Text type="warning" data-testid="upload-resumed">
                      分片上传中断 {progress.retries.filter((r) => r.resumeAt === undefined).length} 次，已从断点（
                      {mib(progress.retries.filter((r) => r.resumeAt !== undefined).at(-1)!.resumeAt!)} MB）续传
                    </Typography.Text>
                  )
                )}
                {progress.phase === 'finalize' && busy && <Typography.Text type="secondary">上传完成，正在递交…</Typography.Text>}
              </div>
            )}
            {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
            {resumable && busy !== 'seal' && (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 16 }}
                title="上传中断，可从断点继续上传"
                description={
                  // The buttons under the text (not antd's `action` slot, which squeezes the text on a phone). The form
                  // is disabled meanwhile: these controls (and the Popconfirm's, in its portal) are not.
                  <ConfigProvider componentDisabled={false}>
                    <div data-testid="resume-explanation">
                      {resumable.restored
                        ? `上次递交时上传中断（${resumable.failure}）。平台已收到${resumable.restored.offset === null ? '的数据量暂时无法查询' : ` ${mib(resumable.restored.offset)} / ${mib(resumable.pending.total)} MB`}；本浏览器保存了上次加密的密钥（已加密保存）。续传沿用上次加密时的报价和加密套件（上方表单已锁定）${needFiles(resumable) ? `；请重新选择上次加密的投标文件（${resumable.restored.expected.map((f) => f.name).join('、')}），核对一致后点击「继续上传」` : '，点击「继续上传」即可'}。如需修改报价或文件，请放弃本次上传后重新加密递交。`
                        : `多次重试后仍未上传成功（${resumable.failure}）。点击「继续上传」将向平台查询已收到的位置并从那里续传，无需重新选择文件；续传沿用本次加密时的报价和文件（上方表单已锁定）。${resumable.persisted ? '本次加密的密钥已加密保存在本浏览器中：刷新或关闭页面后回到本页，重新选择相同的文件即可续传。' : '本浏览器无法保存续传信息：刷新或关闭本页面后无法续传，须重新加密递交。'}如需修改，请放弃本次上传后重新加密递交。`}
                    </div>
                    {needFiles(resumable) && (
                      <div style={{ marginTop: 8 }}>
                        <FileInput label="重新选择投标文件" buttonText="重新选择文件" multiple onFiles={(f) => void chooseAgain(f)} disabled={false} />
                        {rechosen?.ok === true && (
                          <div>
                            <Typography.Text type="success" data-testid="rechosen-ok">
                              文件与上次加密的一致，可以继续上传
                            </Typography.Text>
                          </div>
                        )}
                        {rechosen?.ok === false && <Alert type="error" showIcon style={{ marginTop: 8 }} title={rechosen.message} data-testid="rechosen-mismatch" />}
                      </div>
                    )}
                    <Space wrap style={{ marginTop: 8 }}>
                      <Button type="primary" disabled={needFiles(resumable) && rechosen?.ok !== true} onClick={() => void resumeUpload()}>
                        继续上传
                      </Button>
                      <Popconfirm title="放弃后本次上传作废，需重新加密递交。确定放弃？" okText="放弃" cancelText="取消" onConfirm={() => discardPending()}>
                        <Button disabled={false}>放弃并重新加密</Button>
                      </Popconfirm>
                    </Space>
                  </ConfigProvider>
                }
              />
            )}
            <Space wrap>
              <Button type="primary" htmlType="submit" loading={busy === 'seal'} disabled={locked}>
                加密并递交
              </Button>
              {busy === 'seal' && <Typography.Text type="secondary">正在加密和上传，完成前请勿修改报价、套件或文件，也不要离开本页面。</Typography.Text>}
            </Space>
          </Form>
        </Card>
      ) : (
        !submitted && (
          <div className="plain-result">
            <h2>当前不在投标期</h2>
          </div>
        )
      )}

      {submitted && (
        <Card title="投标回执" size="small">
          <Space orientation="vertical" style={{ width: '100%' }}>
            {submitted.verified === true && (
              <Alert
                type="success"
                showIcon
                title={submitted.reverified ? '回执已验证' : '回执签名验证通过'}
                description={
                  submitted.reverified && submitted.v2
                    ? `再次打开本页时，已在浏览器中用平台返回的信封字段（随机数前缀、托管密钥等）重新计算信封摘要，并用平台公钥（GET /platform/keys，${submitted.v2.suite === 'GM-1' ? 'SM2' : 'Ed25519'}）验证回执签名。`
                    : submitted.v2
                      ? `已在浏览器中用平台公钥（GET /platform/keys，${submitted.v2.suite === 'GM-1' ? 'SM2' : 'Ed25519'}）验证回执对整个投标信封（文件摘要、密钥承诺、托管密钥）的签名。`
                      : '已在浏览器中用平台公钥（GET /platform/keys，Ed25519）验证回执签名与密文摘要。'
                }
              />
            )}
            {submitted.verified === false && <Alert type="error" showIcon title="回执签名验证失败！请勿依赖此回执，并联系交易中心。" />}
            {submitted.verified === null && submitted.reverified && (
              <Alert type="warning" showIcon title="回执未能重新验证" description="平台未返回重新验证此回执所需的信封字段；递交时的验证结果以当时页面为准。" />
            )}
            {/* On a phone the text wraps between words and before brackets (not inside 北京时间 or AES-256-GCM); ids, hashes
                and the signature break anywhere (.mono). */}
            <Descriptions column={1} size="small" bordered styles={{ content: { wordBreak: 'keep-all', overflowWrap: 'anywhere' } }}>
              {lot.hasLots && <Descriptions.Item label="标段">{lotLabel({ lotNo: lot.lotNo, title: lot.title ?? '' })}</Descriptions.Item>}
              <Descriptions.Item label="投标编号">
                <span className="mono">{submitted.receipt.bidId}</span>
              </Descriptions.Item>
              <Descriptions.Item label="版本">第 {submitted.receipt.version} 版</Descriptions.Item>
              <Descriptions.Item label="递交时间">{formatBeijingLabel(submitted.receipt.receivedAt)}</Descriptions.Item>
              {submitted.v2 ? (
                <>
                  <Descriptions.Item label="格式">格式 v2 · {SUITE_TEXT[submitted.v2.suite]}</Descriptions.Item>
                  <Descriptions.Item label="密文长度">{submitted.v2.receipt.ciphertextLength.toLocaleString('zh-CN')} 字节</Descriptions.Item>
                  <Descriptions.Item label={`密文摘要（${submitted.v2.suite === 'GM-1' ? 'SM3' : 'SHA-256'}）`}>
                    <span className="mono">{submitted.v2.receipt.ciphertextHash}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label="信封摘要">
                    <span className="mono">{submitted.v2.receipt.envelopeHash}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label="托管密钥">{submitted.v2.receipt.escrowedKeyStored ? '已由平台托管（可由平台统一解密）' : '未托管（仅投标人可解密）'}</Descriptions.Item>
                </>
              ) : (
                <>
                  <Descriptions.Item label="格式">{mine?.formatVersion === 2 ? `格式 v2 · ${mine.suite ?? ''}` : '格式 v1 · AES-256-GCM（一次递交）'}</Descriptions.Item>
                  <Descriptions.Item label={mine?.formatVersion === 2 ? '密文摘要' : '密文 SHA-256'}>
                    <span className="mono">{submitted.receipt.ciphertextSha256}</span>
                  </Descriptions.Item>
                </>
              )}
              <Descriptions.Item label="密钥承诺值">
                <span className="mono">{submitted.keyCommitment}</span>
              </Descriptions.Item>
              <Descriptions.Item label="平台签名">
                <span className="mono">{submitted.receipt.signature}</span>
              </Descriptions.Item>
              {mine && <Descriptions.Item label="投标状态">{label(BID_STATUS, mine.status)}</Descriptions.Item>}
            </Descriptions>
            {submitted.keyFile ? (
              <>
                {!keyDownloaded && <Alert type="warning" showIcon title="请立即下载密钥文件" description="密钥只保存在本页面中，离开后无法找回；开标时需要它解密投标文件。" />}
                <Button
                  type="primary"
                  onClick={() => {
                    saveBlob(
                      new Blob([submitted.keyFile!], { type: 'application/json' }),
                      `bid-key-${tender.id.slice(0, 8)}${lot.hasLots ? `-lot${lot.lotNo}` : ''}-v${submitted.receipt.version}.json`,
                    );
                    setKeyDownloaded(true);
                  }}
                >
                  下载密钥
                </Button>
              </>
            ) : (
              <Typography.Text type="secondary">密钥文件在递交时下载；本页面不保存密钥。</Typography.Text>
            )}
            {hasActiveBid && open && (
              <Popconfirm title="撤回后投标文件作废，确定撤回？" okText="撤回" cancelText="取消" onConfirm={withdraw}>
                <Button danger loading={busy === 'withdraw'}>
                  撤回投标
                </Button>
              </Popconfirm>
            )}
          </Space>
        </Card>
      )}
      {mine?.status === 'WITHDRAWN' && <Alert type="warning" showIcon title="您的投标已撤回；截止前可重新递交。" />}
      {fallback.length > 0 && <Typography.Text type="secondary">本浏览器缺少部分 WebCrypto 算法（{fallback.join('、')}），已使用经审计的纯 JavaScript 实现。</Typography.Text>}
      {(tender.status === 'OPENING' || tender.openedAt) && (
        <Link to={`/tenders/${tender.id}/opening`}>
          <Button type="primary">进入开标大厅</Button>
        </Link>
      )}
    </Space>
  );
}
