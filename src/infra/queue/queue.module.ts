import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { JobQueue } from './job-queue.service';
import { JobRegistry } from './job-registry';
import { BackgroundProcessor, TimedEventsProcessor } from './processors';
import { QueueName } from './queue.constants';

@Global()
@Module({})
export class QueueModule {
  /** Workers (the processors) run only in processes started with them (npm start, start:worker). */
  static forRoot(options: { workers: boolean }): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connection: config.redisOptions,
            prefix: config.queuePrefix,
            defaultJobOptions: {
              attempts: 5,
              backoff: { type: 'exponential', delay: 1000 },
              removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
              removeOnFail: false, // failed jobs are evidence
            },
          }),
        }),
        BullModule.registerQueue({ name: QueueName.TimedEvents }, { name: QueueName.Background }),
      ],
      providers: [JobRegistry, JobQueue, ...(options.workers ? [TimedEventsProcessor, BackgroundProcessor] : [])],
      exports: [JobRegistry, JobQueue],
    };
  }
}
