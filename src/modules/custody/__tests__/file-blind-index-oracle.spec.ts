import { randomUUID } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FileBlindIndexOracle } from '../blind-index-oracle';

/** The development blind-index oracle (issue 17): its own key in its own folder, a per-tender log of counts only. */
describe('FileBlindIndexOracle', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'blind-index-oracle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its own random key in its folder; indexes per tender and purpose; logs time, purpose and count before answering', async () => {
    const at = new Date('2026-12-06T10:00:00.000Z');
    const oracle = new FileBlindIndexOracle('blind-index-oracle', dir, () => at);
    const [tender, org] = [randomUUID(), randomUUID()];
    const [[a], [b]] = await oracle.indexes([
      { purpose: 'bid-bidder', tenderId: tender, ids: [org] },
      { purpose: 'bid-guarantee', tenderId: tender, ids: [org] },
    ]);
    expect(a).not.toBe(b);
    expect(existsSync(join(dir, 'secrets', 'blind-index.key'))).toBe(true);
    // Same folder, same key (another process of the installation); another folder, another key.
    expect((await new FileBlindIndexOracle('x', dir).indexes([{ purpose: 'bid-bidder', tenderId: tender, ids: [org] }]))[0][0]).toBe(a);
    const other = mkdtempSync(join(tmpdir(), 'blind-index-oracle-'));
    try {
      expect((await new FileBlindIndexOracle('x', other).indexes([{ purpose: 'bid-bidder', tenderId: tender, ids: [org] }]))[0][0]).not.toBe(a);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const log = readFileSync(join(dir, 'lookups', `${tender}.log`), 'utf8');
    expect(log.trim().split('\n')[0]).toBe(JSON.stringify({ at: at.toISOString(), purpose: 'bid-bidder', count: 1 }));
    expect(log).not.toContain(org);
    expect(log).not.toContain(a);
    expect(await oracle.lookups(tender)).toEqual({ tenderId: tender, total: 3, byPurpose: { 'bid-bidder': 2, 'bid-guarantee': 1 } });
  });

  it('refuses a malformed batch (purpose, tender id, ids) and logs nothing for it; an empty query is not logged', async () => {
    const oracle = new FileBlindIndexOracle('blind-index-oracle', dir);
    const tender = randomUUID();
    await expect(oracle.indexes([{ purpose: '../x', tenderId: tender, ids: ['a'] }])).rejects.toThrow('purpose');
    await expect(oracle.indexes([{ purpose: 'bid-bidder', tenderId: 'not-a-uuid', ids: ['a'] }])).rejects.toThrow('UUID');
    await expect(oracle.indexes([{ purpose: 'bid-bidder', tenderId: tender, ids: [''] }])).rejects.toThrow('ids');
    expect(await oracle.indexes([{ purpose: 'bid-bidder', tenderId: tender, ids: [] }])).toEqual([[]]);
    expect(await oracle.lookups(tender)).toEqual({ tenderId: tender, total: 0, byPurpose: {} });
  });
});
