/**
 * The v1 submission's round trips (docs/BENCHMARKS.md: tuned to 9 statements, its transaction's BEGIN and COMMIT
 * included): a first bid and a replacement on a tender without bid security, counted at the PostgreSQL query runner.
 * Moving the SQL into BidsRepository (issue 18) must not add one.
 */
import { Role } from 'src/common/auth/role.enum';
import { SubmitBidUseCase } from 'src/modules/bids/use-cases/submit-bid.use-case';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
import { sealBid } from 'src/sdk';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { registerParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('v1 submission statements (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(async () => t?.close());

  it('stores a first bid and a replacement in 9 statements each', async () => {
    const tender = await createPublishedTender(t, { bidSecurityAmount: '0.00' });
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const submit = t.app.get(SubmitBidUseCase);
    const keys = t.app.get(IdentityKeyService);
    const actor = { userId: bidder.userId, role: Role.BIDDER, organizationId: bidder.organizationId, ip: '10.0.0.7', requestId: 'statements' };
    const statements: string[] = [];
    const original = PostgresQueryRunner.prototype.query;
    const counted = async (price: string) => {
      const sealed = sealBid({
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId!,
        plaintext: { price, currency: 'CNY' },
        ...(tender.escrowPublicKey ? { escrowPublicKey: tender.escrowPublicKey } : {}),
        client: { deviceId: 'device-1' },
      });
      statements.length = 0;
      PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, ...args: Parameters<typeof original>) {
        statements.push(args[0].trim().slice(0, 40));
        return original.apply(this, args);
      } as typeof original;
      try {
        await submit.execute({ tenderId: tender.id, actor: actor as never, dto: sealed.request as never });
        await keys.flushCounts();
      } finally {
        PostgresQueryRunner.prototype.query = original;
      }
      // The platform's count of its blind-index lookups (issue 17) is written outside the submission's transaction,
      // on another connection, in the background: one statement, not a round trip of the submission.
      const own = statements.filter((q) => !q.startsWith('INSERT INTO blind_index_lookups'));
      expect(statements.length - own.length).toBeLessThanOrEqual(1);
      return own;
    };
    const first = await counted('100.00');
    const second = await counted('99.00');
    // BEGIN; tender FOR SHARE + bidder slot + clock; the lot's terms; debarment; the bid FOR UPDATE; bid + version +
    // audit stream lock; the audit head; the audit event; COMMIT.
    const shape = (list: string[]) => list.map((q) => q.split(/\s+/).slice(0, 3).join(' '));
    expect(shape(first)).toEqual([
      'START TRANSACTION',
      'WITH t AS',
      'SELECT t.bid_security_amount::text AS',
      'SELECT p.case_id, p.effective_until,',
      'SELECT id, version,',
      'WITH b AS',
      'SELECT h.stream_seq AS',
      'INSERT INTO audit_events',
      'COMMIT',
    ]);
    expect(shape(second)).toEqual(shape(first));
    expect(second[5]).toMatch(/UPDATE bids/);
  });
});
