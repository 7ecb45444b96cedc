import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { MetricsService } from '../metrics/metrics.service';
import { JobRegistry } from './job-registry';
import { JobName, QueueName } from './queue.constants';

/** Processors hold no business logic: they dispatch on job.name to the registry and log the outcome. */
abstract class DispatchingProcessor extends WorkerHost {
  protected abstract readonly logger: Logger;
  constructor(
    private readonly registry: JobRegistry,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  async process(job: Job): Promise<void> {
    const end = this.metrics.jobDuration.startTimer({ queue: job.queueName, job: job.name });
    const started = Date.now();
    await this.registry.dispatch(job.name as JobName, job.data, { jobId: job.id });
    end();
    this.logger.debug({ msg: 'job done', queue: job.queueName, job: job.name, jobId: job.id, ms: Date.now() - started });
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.metrics.jobFailures.inc({ queue: job?.queueName ?? 'unknown', job: job?.name ?? 'unknown' });
    this.logger.error({ msg: 'job failed', queue: job?.queueName, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, error: error.message });
  }
}

@Processor(QueueName.TimedEvents, { concurrency: 8 })
export class TimedEventsProcessor extends DispatchingProcessor {
  protected readonly logger = new Logger(TimedEventsProcessor.name);
  constructor(registry: JobRegistry, metrics: MetricsService) {
    super(registry, metrics);
  }
}

@Processor(QueueName.Background, { concurrency: 2 })
export class BackgroundProcessor extends DispatchingProcessor {
  protected readonly logger = new Logger(BackgroundProcessor.name);
  constructor(registry: JobRegistry, metrics: MetricsService) {
    super(registry, metrics);
  }
}
