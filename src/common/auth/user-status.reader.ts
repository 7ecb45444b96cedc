import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Is this account still allowed in? A disabled user (or penalised expert) loses access at once. */
@Injectable()
export class UserStatusReader {
  private readonly cache = new Map<string, { active: boolean; at: number }>();
  private static readonly TTL_MS = 2_000;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async isActive(userId: string): Promise<boolean> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.at < UserStatusReader.TTL_MS) return hit.active;
    const rows: Array<{ disabled: boolean }> = await this.dataSource.query(
      `SELECT disabled FROM users WHERE id = $1`,
      [userId],
    );
    const active = rows.length === 1 && !rows[0].disabled;
    this.cache.set(userId, { active, at: Date.now() });
    if (this.cache.size > 10_000) this.cache.clear();
    return active;
  }
}
