import { Injectable } from '@nestjs/common';
import { JobData, JobHandler } from './job.types';
import { JobName } from './queue.constants';

/** Maps each job name to the one service method that handles it; processors only dispatch. */
@Injectable()
export class JobRegistry {
  private readonly handlers = new Map<JobName, JobHandler>();

  register<N extends JobName>(name: N, handler: JobHandler<N>): void {
    if (this.handlers.has(name)) throw new Error(`Job ${name} has two handlers`);
    this.handlers.set(name, handler as unknown as JobHandler);
  }

  async dispatch<N extends JobName>(name: N, data: JobData<N>, meta: { jobId?: string } = {}): Promise<void> {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`Job ${name} has no handler`);
    await handler(data, meta);
  }

  /** immich's set-up check: every job name has a handler. */
  assertComplete(): void {
    const missing = Object.values(JobName).filter((n) => !this.handlers.has(n));
    if (missing.length) throw new Error(`Jobs without a handler: ${missing.join(', ')}`);
  }
}
