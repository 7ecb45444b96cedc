import { FINGERPRINT_HEAD_BYTES, fingerprintFile, matchFiles } from '../web/src/pages/bid/file-fingerprint';

/**
 * The console's check that a bidder resuming an interrupted upload after a reload chose the same files again
 * (web/src/pages/bid/file-fingerprint.ts; the page itself: test/browser/bid-v2-resume-reload.browser.spec.ts).
 */
describe('console: bid file fingerprints for resuming an interrupted upload', () => {
  const MiB = 1024 * 1024;
  const T = Date.UTC(2026, 11, 6, 8, 0, 0);
  const file = (name: string, content: string | Uint8Array<ArrayBuffer>, lastModified = T) => new File([content], name, { lastModified });
  const big = (fill: number, size = 2 * MiB) => new Uint8Array(size).fill(fill);

  it('fingerprints name, size, time and the SHA-256 of the first MiB only', async () => {
    const a = await fingerprintFile(file('技术标.pdf', big(1)));
    expect(a).toEqual({ name: '技术标.pdf', size: 2 * MiB, lastModified: T, headSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Past the first MiB, a change does not change the head hash (size and time catch the usual edits).
    const tail = big(1);
    tail[FINGERPRINT_HEAD_BYTES + 10] = 9;
    expect((await fingerprintFile(file('技术标.pdf', tail))).headSha256).toBe(a.headSha256);
    const head = big(1);
    head[10] = 9;
    expect((await fingerprintFile(file('技术标.pdf', head))).headSha256).not.toBe(a.headSha256);
  });

  it('the same files, in any order, come back in the sealed order', async () => {
    const a = file('技术标.pdf', big(1));
    const b = file('商务标.pdf', 'b');
    const expected = [await fingerprintFile(a), await fingerprintFile(b)];
    const r = await matchFiles(expected, [b, a]);
    expect(r).toEqual({ ok: true, files: [a, b] });
  });

  it('names the file that is missing, extra, or differs (size, time, content)', async () => {
    const a = file('技术标.pdf', big(1));
    const b = file('商务标.pdf', 'b');
    const expected = [await fingerprintFile(a), await fingerprintFile(b)];
    const message = async (chosen: File[]) => {
      const r = await matchFiles(expected, chosen);
      if (r.ok) throw new Error('matched');
      return r.message;
    };
    expect(await message([a])).toContain('未选择文件「商务标.pdf」');
    expect(await message([a, b, file('报价单.xlsx', 'c')])).toContain('文件「报价单.xlsx」不在上次加密的文件中');
    expect(await message([file('技术标.pdf', big(1, MiB)), b])).toMatch(/所选文件「技术标.pdf」与上次加密的文件不一致：大小不同/);
    expect(await message([file('技术标.pdf', big(1), T + 1000), b])).toMatch(/所选文件「技术标.pdf」与上次加密的文件不一致：修改时间不同/);
    expect(await message([file('技术标.pdf', big(2)), b])).toMatch(/所选文件「技术标.pdf」与上次加密的文件不一致：内容不同/);
  });

  it('no files expected: none chosen matches', async () => {
    expect(await matchFiles([], [])).toEqual({ ok: true, files: [] });
  });
});
