import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * Instants against the database clock, the only clock that decides (API.md conventions): deadlines of
 * clarifications, of the candidate publicity, of objections' answers, a contract's signing instant. Every method
 * takes the caller's EntityManager (its transaction). For "now" itself: TransactionRunner.now.
 */
@Injectable()
export class DeadlinesRepository {
  /** `instant` is still ahead (strictly). */
  async isFuture(m: EntityManager, instant: Date | string): Promise<boolean> {
    const [{ future }]: Array<{ future: boolean }> = await m.query(`SELECT $1::timestamptz > clock_timestamp() AS future`, [instant]);
    return future;
  }

  /** `instant` has come: now or before (a deadline reached is over). */
  async hasPassed(m: EntityManager, instant: Date | string): Promise<boolean> {
    const [{ passed }]: Array<{ passed: boolean }> = await m.query(`SELECT $1::timestamptz <= clock_timestamp() AS passed`, [instant]);
    return passed;
  }

  /** `instant` is strictly behind (an answer due at `instant` and given now is still in time). */
  async isPast(m: EntityManager, instant: Date | string): Promise<boolean> {
    const [{ past }]: Array<{ past: boolean }> = await m.query(`SELECT $1::timestamptz < clock_timestamp() AS past`, [instant]);
    return past;
  }
}
