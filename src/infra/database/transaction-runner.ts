import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DatabaseRepository } from './database.repository';

/** Runs a unit of work in one transaction; the audit event is written with the same EntityManager. */
@Injectable()
export class TransactionRunner {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly database: DatabaseRepository,
  ) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The database's clock: the only clock that decides (API.md conventions). */
  async now(manager?: EntityManager): Promise<Date> {
    return this.database.now(manager ?? this.dataSource.manager);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
