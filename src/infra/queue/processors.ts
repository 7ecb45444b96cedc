import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobRegistry } from './job-registry';
import { JobName, QueueName } from './queue.constants';

/** Processors hold no business logic: they dispatch on job.name to the registry and log the outcome. */
abstract class DispatchingProcessor extends WorkerHost {
  protected abstract readonly logger: Logger;
  constructor(private readonly registry: JobRegistry) {
    super();
  }

  async process(job: Job): Promise<void> {
    const started = Date.now();
    await this.registry.dispatch(job.name as JobName, job.data, { jobId: job.id });
    this.logger.debug({ msg: 'job done', queue: job.queueName, job: job.name, jobId: job.id, ms: Date.now() - started });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error({ msg: 'job failed', queue: job?.queueName, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, error: error.message });
  }
}

@Processor(QueueName.TimedEvents, { concurrency: 8 })
export class TimedEventsProcessor extends DispatchingProcessor {
  protected readonly logger = new Logger(TimedEventsProcessor.name);
  constructor(registry: JobRegistry) {
    super(registry);
  }
}

@Processor(QueueName.Background, { concurrency: 2 })
export class BackgroundProcessor extends DispatchingProcessor {
  protected readonly logger = new Logger(BackgroundProcessor.name);
  constructor(registry: JobRegistry) {
    super(registry);
  }
}
