import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Runs a unit of work in one transaction; the audit event is written with the same EntityManager. */
@Injectable()
export class TransactionRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The database's clock: the only clock that decides (API.md conventions). */
  async now(manager?: EntityManager): Promise<Date> {
    const rows: Array<{ now: Date }> = await (manager ?? this.dataSource.manager).query(`SELECT clock_timestamp() AS now`);
    return new Date(rows[0].now);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
