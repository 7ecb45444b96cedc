import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JobItem } from './job.types';
import { JobName, QueueName } from './queue.constants';

const QUEUE_OF: Record<JobName, QueueName> = {
  [JobName.RunScheduledEvent]: QueueName.TimedEvents,
  [JobName.SweepScheduledEvents]: QueueName.TimedEvents,
  [JobName.DeliverNotification]: QueueName.Background,
  [JobName.ComputeTenderFlags]: QueueName.Background,
  [JobName.ComputeHistoryFlags]: QueueName.Background,
  [JobName.RenderOpeningRecordPdf]: QueueName.Background,
};

/** The producer facade: accepts only typed JobItems; a job id must not contain ':' (BullMQ). */
@Injectable()
export class JobQueue {
  private readonly queues: Record<QueueName, Queue>;

  constructor(@InjectQueue(QueueName.TimedEvents) timed: Queue, @InjectQueue(QueueName.Background) background: Queue) {
    this.queues = { [QueueName.TimedEvents]: timed, [QueueName.Background]: background };
  }

  async add(job: JobItem, opts: JobsOptions & { jobId: string }): Promise<void> {
    if (opts.jobId.includes(':')) throw new Error(`job id may not contain ':' (${opts.jobId})`);
    await this.queues[QUEUE_OF[job.name]].add(job.name, job.data, opts);
  }

  async remove(name: JobName, jobId: string): Promise<void> {
    const job = await this.queues[QUEUE_OF[name]].getJob(jobId);
    if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  /** Waiting + delayed + active + failed counts per queue, for /metrics and tests. */
  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of Object.entries(this.queues)) {
      out[name] = await q.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
    }
    return out;
  }
}
