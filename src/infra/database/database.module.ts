import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AfterCommitSubscriber } from './after-commit';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { DatabaseRepository } from './database.repository';
import { TransactionRunner } from './transaction-runner';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config, 'app'), autoLoadEntities: false }),
    }),
  ],
  providers: [TransactionRunner, DatabaseRepository],
  exports: [TransactionRunner, DatabaseRepository],
})
export class DatabaseModule implements OnModuleInit {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(new AfterCommitSubscriber((e) => this.logger.error(`after-commit or on-rollback callback failed: ${(e as Error).message}`)));
  }
}
