import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Statements on no table: the database's clock and its liveness. Every method takes the caller's EntityManager. */
@Injectable()
export class DatabaseRepository {
  /** The database's clock (clock_timestamp(): advances within a transaction). */
  async now(m: EntityManager): Promise<Date> {
    const rows: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    return new Date(rows[0].now);
  }

  /** Throws when the database does not answer. */
  async ping(m: EntityManager): Promise<void> {
    await m.query('SELECT 1');
  }

  /** Whether the instant is not after now (database clock). */
  async isPast(m: EntityManager, at: Date | string): Promise<boolean> {
    const [{ past }]: Array<{ past: boolean }> = await m.query(`SELECT $1::timestamptz <= clock_timestamp() AS past`, [at]);
    return past;
  }
}
