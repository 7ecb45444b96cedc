/**
 * The fingerprint of a bid file (name, size, lastModified, SHA-256 of its first MiB), kept with an interrupted upload
 * (pending-upload-store.ts) to check that the bidder chooses the same files again before the re-seal: the platform
 * would refuse a different file only at the very end (UPLOAD_HASH_MISMATCH), after it was sent. Plain Web APIs (File,
 * crypto.subtle), so Node runs it too (test/console-file-fingerprint.spec.ts).
 */

/** The part of each file hashed for its fingerprint. */
export const FINGERPRINT_HEAD_BYTES = 1024 * 1024;

export interface FileFingerprint {
  name: string;
  size: number;
  lastModified: number;
  /** Hex SHA-256 of the first FINGERPRINT_HEAD_BYTES bytes. */
  headSha256: string;
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** The fingerprint of a bid file (reads only its first MiB). */
export async function fingerprintFile(f: File): Promise<FileFingerprint> {
  const head = await f.slice(0, FINGERPRINT_HEAD_BYTES).arrayBuffer();
  return { name: f.name, size: f.size, lastModified: f.lastModified, headSha256: hex(await crypto.subtle.digest('SHA-256', head)) };
}

export type FileMatch = { ok: true; files: File[] } | { ok: false; message: string };

/**
 * The chosen files against the fingerprints of those the upload was sealed from. The files are matched by name (a
 * file dialog may list them in another order) and answered in the sealed order, so the re-seal gives the same bytes.
 */
export async function matchFiles(expected: FileFingerprint[], chosen: File[]): Promise<FileMatch> {
  const left = [...chosen];
  const out: File[] = [];
  for (const fp of expected) {
    const i = left.findIndex((f) => f.name === fp.name);
    if (i < 0) return { ok: false, message: `未选择文件「${fp.name}」：请选择上次加密时的全部文件（${expected.map((e) => e.name).join('、')}）` };
    const [f] = left.splice(i, 1);
    const why =
      f.size !== fp.size
        ? `大小不同（上次 ${fp.size.toLocaleString('zh-CN')} 字节，本次 ${f.size.toLocaleString('zh-CN')} 字节）`
        : f.lastModified !== fp.lastModified
          ? '修改时间不同（文件在上次加密后被修改或替换过）'
          : (await fingerprintFile(f)).headSha256 !== fp.headSha256
            ? '内容不同'
            : null;
    if (why) return { ok: false, message: `所选文件「${fp.name}」与上次加密的文件不一致：${why}。请选择上次的原文件，或放弃本次上传后重新加密递交。` };
    out.push(f);
  }
  if (left.length) return { ok: false, message: `文件「${left[0].name}」不在上次加密的文件中：请只选择上次加密时的文件（${expected.map((e) => e.name).join('、')}）` };
  return { ok: true, files: out };
}
