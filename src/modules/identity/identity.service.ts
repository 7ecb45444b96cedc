import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccessTokenPayload } from 'src/common/auth/access.guard';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UserStatusReader } from 'src/common/auth/user-status.reader';
import { ConflictException, NotFoundException, UnauthenticatedException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { Page } from 'src/common/http/page-query.dto';
import { AuthThrottle } from './auth-throttle';
import { CreateUserDto, ListUsersQueryDto, LoginDto, RegisterDto } from './dto/register.dto';
import { OrganizationEntity } from './organization.entity';
import { OrganizationsRepository, UsersRepository } from './organizations.repository';
import { UserEntity } from './user.entity';

export interface UserView {
  id: string;
  username: string;
  role: Role;
  organizationId: string | null;
  organizationName: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface OrganizationView {
  id: string;
  name: string;
  uscc: string;
  kind: string;
  legalRepresentative: string;
  basicAccount: { bank: string; accountNo: string };
}

@Injectable()
export class IdentityService implements OnApplicationBootstrap {
  private readonly logger = new Logger(IdentityService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(OrganizationEntity) private readonly orgs: Repository<OrganizationEntity>,
    private readonly tx: TransactionRunner,
    private readonly crypto: CryptoService,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly access: UserStatusReader,
    private readonly throttle: AuthThrottle,
    private readonly userRows: UsersRepository,
    private readonly organizations: OrganizationsRepository,
  ) {}

  /** The first administrator, from ADMIN_USERNAME / ADMIN_PASSWORD, when none exists. */
  async onApplicationBootstrap(): Promise<void> {
    const passwordHash = await this.crypto.hashPassword(this.config.adminPassword);
    await this.tx.run(async (m) => {
      await this.userRows.lockAdminBootstrap(m);
      if (await this.userRows.anyWithRole(m, Role.ADMIN)) return;
      if (await this.userRows.usernameTaken(m, this.config.adminUsername)) throw new Error(`ADMIN_USERNAME ${this.config.adminUsername} is taken by a non-admin user`);
      const admin = await m.save(UserEntity, { username: this.config.adminUsername, passwordHash, role: Role.ADMIN, organizationId: null });
      await this.audit.append(m, { actor: SYSTEM_ACTOR, action: 'ADMIN_BOOTSTRAPPED', objectType: 'user', objectId: admin.id, data: { username: admin.username } });
      this.logger.log(
        this.config.adminPasswordGenerated
          ? `created the first administrator "${admin.username}" with a password generated for this installation: ` +
              `${this.config.adminPassword} (set ADMIN_PASSWORD to choose one; shown only now)`
          : `created the first administrator "${admin.username}"`,
      );
    });
  }

  async register(dto: RegisterDto, actor: Actor): Promise<{ userId: string; organizationId: string }> {
    const passwordHash = await this.crypto.hashPassword(dto.password);
    return this.tx.run(async (m) => {
      if (await m.findOneBy(UserEntity, { username: dto.username })) throw new ConflictException('The username is taken');
      if (await m.findOneBy(OrganizationEntity, { uscc: dto.organization.uscc })) {
        throw new ConflictException('An organisation with this unified social credit code is already registered');
      }
      const org = await m.save(OrganizationEntity, {
        name: dto.organization.name,
        uscc: dto.organization.uscc,
        kind: dto.role as OrganizationEntity['kind'],
        legalRepresentative: dto.organization.legalRepresentative,
        basicAccountBank: dto.organization.basicAccount.bank,
        basicAccountNo: dto.organization.basicAccount.accountNo,
      });
      const user = await m.save(UserEntity, { username: dto.username, passwordHash, role: dto.role, organizationId: org.id });
      const who = { ...actor, userId: user.id, role: dto.role, organizationId: org.id };
      await this.audit.append(m, {
        actor: who,
        action: 'ORGANIZATION_REGISTERED',
        objectType: 'organization',
        objectId: org.id,
        data: { uscc: org.uscc, name: org.name, role: dto.role },
      });
      return { userId: user.id, organizationId: org.id };
    });
  }

  async login(dto: LoginDto, ip = ''): Promise<{ accessToken: string; expiresIn: number }> {
    this.throttle.assertLoginAllowed(ip, dto.username); // 429 before any password is hashed
    const user = await this.users.findOneBy({ username: dto.username });
    // Same answer and similar time for an unknown user and a wrong password.
    const ok = user ? await this.crypto.verifyPassword(dto.password, user.passwordHash) : (await this.crypto.hashPassword(dto.password), false);
    if (!user || !ok || user.disabled) {
      this.throttle.recordLoginFailure(ip, dto.username);
      throw new UnauthenticatedException('The username or password is wrong');
    }
    this.throttle.recordLoginSuccess(dto.username);
    const payload: AccessTokenPayload = { sub: user.id, role: user.role, org: user.organizationId };
    return { accessToken: await this.jwt.signAsync(payload), expiresIn: this.config.jwtTtlSeconds };
  }

  async me(actor: Actor): Promise<{ userId: string; username: string; role: Role; organizationId: string | null; organization: OrganizationView | null }> {
    const user = await this.users.findOneBy({ id: actor.userId });
    if (!user) throw new NotFoundException('The user');
    const org = user.organizationId ? await this.orgs.findOneBy({ id: user.organizationId }) : null;
    return { userId: user.id, username: user.username, role: user.role, organizationId: user.organizationId, organization: org ? toOrganizationView(org) : null };
  }

  async createUser(dto: CreateUserDto, actor: Actor): Promise<{ userId: string }> {
    const passwordHash = await this.crypto.hashPassword(dto.password);
    return this.tx.run(async (m) => {
      if (await m.findOneBy(UserEntity, { username: dto.username })) throw new ConflictException('The username is taken');
      const user = await m.save(UserEntity, { username: dto.username, passwordHash, role: dto.role, organizationId: null });
      await this.audit.append(m, { actor, action: 'USER_CREATED', objectType: 'user', objectId: user.id, data: { username: user.username, role: user.role } });
      return { userId: user.id };
    });
  }

  /** GET /admin/users: every account (newest first), filtered by role and by part of the username or organisation name. */
  async listUsers(q: ListUsersQueryDto): Promise<Page<UserView>> {
    const { total, items } = await this.userRows.listForAdmin(this.tx.manager, q);
    return { total, items: items.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
  }

  /**
   * POST /admin/users/{id}/disable | enable: the account loses (or regains) access at once (the access guard reads
   * the status). Idempotent: the same state again changes nothing and writes no audit event. An administrator may
   * not disable its own account (the platform would risk having no administrator left).
   */
  async changeDisabled(userId: string, disabled: boolean, actor: Actor, reason: string | null): Promise<{ id: string; disabled: boolean }> {
    if (disabled && userId === actor.userId) throw new ConflictException('An administrator may not disable its own account');
    return this.tx.run(async (m) => {
      const u = await this.userRows.findById(m, userId, { lock: true });
      if (!u) throw new NotFoundException('The user');
      if (u.disabled !== disabled) {
        await m.update(UserEntity, { id: userId }, { disabled });
        await this.audit.append(m, { actor, action: disabled ? 'USER_DISABLED' : 'USER_ENABLED', objectType: 'user', objectId: userId, data: { reason } });
      }
      return { id: userId, disabled };
    });
  }

  async setDisabled(userId: string, disabled: boolean, actor: Actor, reason: string): Promise<void> {
    await this.tx.run(async (m) => {
      const res = await m.update(UserEntity, { id: userId }, { disabled });
      if (!res.affected) throw new NotFoundException('The user');
      await this.audit.append(m, { actor, action: disabled ? 'USER_DISABLED' : 'USER_ENABLED', objectType: 'user', objectId: userId, data: { reason } });
    });
    this.access.invalidate(userId);
  }

  async getOrganization(id: string): Promise<OrganizationView> {
    const org = await this.orgs.findOneBy({ id });
    if (!org) throw new NotFoundException('The organisation');
    return toOrganizationView(org);
  }

  async getOrganizations(ids: string[]): Promise<OrganizationView[]> {
    if (ids.length === 0) return [];
    const rows = await this.organizations.findEntitiesByIds(this.orgs.manager, ids);
    return rows.map(toOrganizationView);
  }

  async getUser(id: string): Promise<{ id: string; username: string; role: Role; organizationId: string | null; disabled: boolean }> {
    const u = await this.users.findOneBy({ id });
    if (!u) throw new NotFoundException('The user');
    return { id: u.id, username: u.username, role: u.role, organizationId: u.organizationId, disabled: u.disabled };
  }
}

export function toOrganizationView(o: OrganizationEntity): OrganizationView {
  return {
    id: o.id,
    name: o.name,
    uscc: o.uscc,
    kind: o.kind,
    legalRepresentative: o.legalRepresentative,
    basicAccount: { bank: o.basicAccountBank, accountNo: o.basicAccountNo },
  };
}
