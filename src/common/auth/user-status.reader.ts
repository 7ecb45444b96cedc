import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UsersRepository } from 'src/modules/identity/organizations.repository';
import { Role } from './role.enum';

/** What the database says about an account now: the token only says who it is. */
export interface UserAccess {
  active: boolean;
  role: Role;
  organizationId: string | null;
}

/**
 * Who may do what, read from the users table on every request (cached for 2 s, and dropped at once when this
 * process changes the user): a disabled user, a changed role or organisation take effect at once, and a token
 * cannot claim a role or organisation the database does not give its user.
 */
@Injectable()
export class UserStatusReader {
  private readonly cache = new Map<string, { access: UserAccess | null; at: number }>();
  static readonly TTL_MS = 2_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
  ) {}

  /** The account's current role, organisation and status; null when there is no such user. */
  async access(userId: string): Promise<UserAccess | null> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.at < UserStatusReader.TTL_MS) return hit.access;
    const user = await this.users.findById(this.dataSource.manager, userId);
    const access = user ? { active: !user.disabled, role: user.role, organizationId: user.organizationId } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(userId, { access, at: Date.now() });
    return access;
  }

  async isActive(userId: string): Promise<boolean> {
    return (await this.access(userId))?.active === true;
  }

  /** Call after changing a user (disabled, role, organisation): the next request reads the database. */
  invalidate(userId: string): void {
    this.cache.delete(userId);
  }
}
