/**
 * AgencyAuthorizationsRepository against the real PostgreSQL: the active authorisation of a scope (a null tender is
 * its own scope: IS NOT DISTINCT FROM), the row lock and revocation, the listing, and the tender-owner read model.
 */
import { randomUUID } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { AgencyAuthorizationsRepository } from 'src/modules/identity/agency/agency-authorizations.repository';
import { insertTender } from './factories/bid-security.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('AgencyAuthorizationsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: AgencyAuthorizationsRepository;
  let entity: TestParty;
  let agent: TestParty;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(AgencyAuthorizationsRepository);
    entity = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '盐城市住房和城乡建设局' });
    agent = await registerParty(t, { role: Role.PROCURING_ENTITY, name: '江苏省招标代理有限公司' });
  });
  afterAll(async () => t?.close());

  it('grants per scope, finds the active one of each scope, revokes under a lock, lists newest first', async () => {
    const m = t.dataSource.manager;
    const pair = { procuringEntityId: entity.organizationId!, agentOrganizationId: agent.organizationId! };
    const tender = await insertTender(t);
    const all = await t.dataSource.transaction(async (tx) => {
      await repo.lockPair(tx, pair.procuringEntityId, pair.agentOrganizationId);
      return repo.insert(tx, { ...pair, tenderId: null, grantedBy: entity.userId });
    });
    expect(await repo.findActive(m, pair.procuringEntityId, pair.agentOrganizationId, null)).toEqual({ id: all });
    expect(await repo.findActive(m, pair.procuringEntityId, pair.agentOrganizationId, tender.id)).toBeNull();
    const one = await repo.insert(m, { ...pair, tenderId: tender.id, grantedBy: entity.userId });
    expect(await repo.findById(m, one)).toMatchObject({
      id: one,
      ...pair,
      procuringEntityName: '盐城市住房和城乡建设局',
      agentName: '江苏省招标代理有限公司',
      tenderId: tender.id,
      revokedAt: null,
    });
    await t.dataSource.transaction(async (tx) => {
      expect(await repo.lock(tx, all)).toMatchObject({ id: all, ...pair, tenderId: null, revokedAt: null });
      await repo.revoke(tx, all, entity.userId);
    });
    expect(await repo.findActive(m, pair.procuringEntityId, pair.agentOrganizationId, null)).toBeNull();
    expect((await repo.findById(m, all))!.revokedAt).toBeInstanceOf(Date);
    expect(await repo.idsBy(m, 'procuring_entity_id', pair.procuringEntityId)).toEqual([one, all]);
    expect(await repo.idsBy(m, 'agent_organization_id', pair.agentOrganizationId)).toEqual([one, all]);
    expect(await repo.lock(m, randomUUID())).toBeNull();
  });

  it('read model: the owner of a tender; none for an unknown tender', async () => {
    const tender = await insertTender(t);
    const [{ procuring_entity_id }] = await t.dataSource.query(`SELECT procuring_entity_id FROM tenders WHERE id = $1`, [tender.id]);
    expect(await repo.tenderOwner(t.dataSource.manager, tender.id)).toEqual({ procuringEntityId: procuring_entity_id });
    expect(await repo.tenderOwner(t.dataSource.manager, randomUUID())).toBeNull();
  });
});
