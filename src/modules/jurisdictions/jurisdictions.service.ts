import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { Sector, SECTOR_NAME, SUB_CLASSES } from '../tenders/business-classification';
import { TenderCategory } from '../tenders/tender.enums';
import { CITY_CODE, JURISDICTION_NAMES } from '../tenders/jurisdiction-names';
import { SupervisionScopeDto } from './dto/scope.dto';
import { UsersRepository } from 'src/modules/identity/organizations.repository';
import { JurisdictionsRepository } from './jurisdictions.repository';

export interface JurisdictionView {
  code: string;
  name: string;
  level: 'CITY' | 'COUNTY';
  parentCode: string | null;
}

/**
 * What a supervisor oversees: a jurisdiction (the city: every county; a county: its own tenders only) and the
 * trades of its department (null: every trade). `all` when nothing is restricted.
 */
export interface SupervisionScope {
  jurisdiction: JurisdictionView;
  sectors: Sector[] | null;
  all: boolean;
}

const CATEGORY_NAMES: Record<TenderCategory, string> = {
  [TenderCategory.CONSTRUCTION_WORKS]: '工程建设',
  [TenderCategory.GOODS]: '货物',
  [TenderCategory.SERVICES]: '服务',
  [TenderCategory.PROPERTY_RIGHTS]: '产权交易',
  [TenderCategory.LAND_AND_MINING_RIGHTS]: '土地使用权和矿业权出让',
  [TenderCategory.MEDICAL_SUPPLIES]: '药品和医用耗材采购',
  [TenderCategory.OTHER]: '其他',
};

/**
 * Jurisdictions (the city and its counties / districts, GB/T 2260 codes) and supervisors' scopes. TBR Art. 4 ¶2 (not in regulations.md; from the statute text):
 * the departments of local governments at or above county level supervise tendering "按照规定的职责分工" — each
 * within its area and its trades; GPL Art. 13 (not in regulations.md; from the statute text): the finance department supervises government procurement.
 * In regulations.md: EB20 Art. 7 (a supervision channel for the supervisory departments) and glossary #7
 * (行政监督部门 / SupervisoryAuthority: NDRC, HOUSING, FINANCE …).
 * A SUPERVISOR without a scope row is a city supervisor of every trade (API.md v1 unchanged).
 */
@Injectable()
export class JurisdictionsService implements OnApplicationBootstrap {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly users: UsersRepository,
    private readonly jurisdictions: JurisdictionsRepository,
  ) {}

  /** Seeds the jurisdictions that are missing (the migration seeds them too; a test database is emptied). */
  async onApplicationBootstrap(): Promise<void> {
    await this.tx.run(async (m) => {
      await this.jurisdictions.lockForSeeding(m);
      for (const [i, [code, name]] of Object.entries(JURISDICTION_NAMES).entries()) {
        const city = code === CITY_CODE;
        await this.jurisdictions.insertMissing(m, { code, name, level: city ? 'CITY' : 'COUNTY', parentCode: city ? null : CITY_CODE }, i);
      }
    });
  }

  async list(m: EntityManager = this.tx.manager): Promise<JurisdictionView[]> {
    return this.jurisdictions.list(m);
  }

  /** GET /classification: the classes, their sub-classes and each sub-class's regulator. */
  classification() {
    return {
      source: 'Classes: the transaction types of 《公共资源交易平台系统数据规范（V2.0）》(发改办法规〔2018〕1156号). Sub-classes: the trading centre’s own list.',
      classes: Object.values(TenderCategory).map((c) => ({
        code: c,
        name: CATEGORY_NAMES[c],
        subClasses: SUB_CLASSES.filter((s) => s.category === c).map((s) => ({ code: s.code, name: s.name, sector: s.sector })),
      })),
      sectors: Object.values(Sector).map((s) => ({ code: s, name: SECTOR_NAME[s] })),
      note: 'A GOV_PROCUREMENT tender is supervised by FINANCE whatever its sub-class (GPL Art. 13 (not in regulations.md; from the statute text)).',
    };
  }

  async get(m: EntityManager, code: string): Promise<JurisdictionView | null> {
    return (await this.list(m)).find((j) => j.code === code) ?? null;
  }

  async city(m: EntityManager = this.tx.manager): Promise<JurisdictionView> {
    const city = (await this.list(m)).find((j) => j.level === 'CITY');
    if (!city) throw new Error('no CITY jurisdiction: the migrations were not run');
    return city;
  }

  /** A supervisor's scope; null for every other role (their access follows their own rules). */
  async scopeOf(m: EntityManager, actor: Actor | null): Promise<SupervisionScope | null> {
    if (!actor || actor.role !== Role.SUPERVISOR) return null;
    return this.scopeOfUser(actor.userId, m);
  }

  async scopeOfUser(userId: string, m: EntityManager = this.tx.manager): Promise<SupervisionScope> {
    const row = await this.jurisdictions.scopeOf(m, userId);
    const jurisdiction = row ? (await this.get(m, row.jurisdictionCode))! : await this.city(m);
    const sectors = row?.sectors ?? null;
    return { jurisdiction, sectors, all: jurisdiction.level === 'CITY' && sectors === null };
  }

  /**
   * The SQL condition that keeps only the tenders of the scope (`alias` is the tenders table's alias), or null when
   * the scope restricts nothing. `p` adds a parameter and returns its placeholder.
   */
  tenderCondition(scope: SupervisionScope | null, alias: string, p: (v: unknown) => string): string | null {
    if (!scope || scope.all) return null;
    const parts: string[] = [];
    if (scope.jurisdiction.level !== 'CITY') parts.push(`${alias}.jurisdiction_code = ${p(scope.jurisdiction.code)}`);
    if (scope.sectors) parts.push(`${alias}.sector = ANY(${p(scope.sectors)}::text[])`);
    return parts.length ? `(${parts.join(' AND ')})` : null;
  }

  /** The active supervisors whose scope covers the tender (for notices to the supervisors of a tender). */
  async supervisorsOf(m: EntityManager, tenderId: string): Promise<Array<{ id: string }>> {
    return this.jurisdictions.supervisorsOf(m, tenderId);
  }

  /** Whether a tender is within the scope (null scope: no restriction). */
  async tenderInScope(m: EntityManager, scope: SupervisionScope | null, tenderId: string): Promise<boolean> {
    if (!scope || scope.all) return true;
    return this.jurisdictions.tenderMatches(m, tenderId, (alias, p) => this.tenderCondition(scope, alias, p) ?? 'true');
  }

  /**
   * For a supervisor: NOT_FOUND when the tender is outside its scope — a county supervisor may not learn that
   * another county's tender has flags, cases or complaints (API.md: 404 for objects the caller may not know exist).
   */
  async assertTenderInScope(m: EntityManager, actor: Actor | null, tenderId: string, what = 'The tender'): Promise<void> {
    const scope = await this.scopeOf(m, actor);
    if (!(await this.tenderInScope(m, scope, tenderId))) throw new NotFoundException(what);
  }

  /** GET /admin/users/{id}/supervision-scope (ADMIN): 404 unless the account is a SUPERVISOR. */
  async scopeForAdmin(userId: string): Promise<SupervisionScope & { userId: string }> {
    const user = await this.users.findById(this.tx.manager, userId);
    if (!user || user.role !== Role.SUPERVISOR) throw new NotFoundException('The supervisor');
    return { userId, ...(await this.scopeOfUser(userId)) };
  }

  /**
   * GET /audit and /audit/verify: a scoped supervisor (a county's, or a sector regulator) reads the log tender by
   * tender, its own tenders only — 403 without `tenderId`, 404 for a tender outside its scope. Unscoped: no change.
   */
  async assertAuditAccess(actor: Actor, tenderId: string | undefined, listing: boolean): Promise<void> {
    const m = this.tx.manager;
    const scope = await this.scopeOf(m, actor);
    if (!scope || scope.all) return;
    if (!tenderId) {
      if (!listing) return;
      throw new ForbiddenException(
        `Your supervision scope is ${scope.jurisdiction.name}${scope.sectors ? ` (${scope.sectors.join(', ')})` : ''}: read the audit log of one of your tenders with ?tenderId=`,
      );
    }
    if (!(await this.tenderInScope(m, scope, tenderId))) throw new NotFoundException('The tender');
  }

  /** PUT /admin/users/{id}/supervision-scope (ADMIN): sets (or replaces) a supervisor's scope. Idempotent; audited. */
  async setScope(userId: string, dto: SupervisionScopeDto, actor: Actor): Promise<SupervisionScope & { userId: string }> {
    return this.tx.run(async (m) => {
      const user = await this.users.findById(m, userId, { lock: true });
      if (!user) throw new NotFoundException('The user');
      if (user.role !== Role.SUPERVISOR) {
        throw new ValidationFailedException([{ field: 'userId', errors: [`only a SUPERVISOR account has a supervision scope (this one is ${user.role})`] }]);
      }
      if (!(await this.get(m, dto.jurisdiction))) {
        throw new ValidationFailedException([{ field: 'jurisdiction', errors: [`unknown jurisdiction ${dto.jurisdiction}; see GET /jurisdictions`] }]);
      }
      const sectors = dto.sectors?.length ? [...new Set(dto.sectors)].sort() : null;
      const before = await this.scopeOfUser(userId, m);
      const same = before.jurisdiction.code === dto.jurisdiction && JSON.stringify(before.sectors) === JSON.stringify(sectors);
      const has = (await this.jurisdictions.scopeOf(m, userId)) !== null;
      if (!(same && has)) {
        await this.jurisdictions.upsertScope(m, { userId, jurisdictionCode: dto.jurisdiction, sectors }, actor.userId);
        await this.audit.append(m, {
          actor,
          action: 'SUPERVISION_SCOPE_SET',
          objectType: 'user',
          objectId: userId,
          data: { from: { jurisdiction: before.jurisdiction.code, sectors: before.sectors }, to: { jurisdiction: dto.jurisdiction, sectors } },
        });
      }
      return { userId, ...(await this.scopeOfUser(userId, m)) };
    });
  }
}
