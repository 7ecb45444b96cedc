import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { declareHandler, discoverHandlers } from 'src/common/events/handler-discovery';
import { JobData, JobHandler } from './job.types';
import { JobName } from './queue.constants';

const JOB_HANDLER = Symbol('job-handler');

/**
 * Declares a method as THE handler of a job (immich's @OnJob): `(data, meta) => Promise<void>` with the job's typed
 * payload. Found at boot by the JobRegistry; a job with two handlers, or none, stops the boot.
 */
export function OnJob<N extends JobName>(name: N) {
  const decorate = declareHandler<JobName>(JOB_HANDLER, name);
  return (target: object, method: string | symbol, descriptor: { value?: JobHandler<N> }): void => {
    decorate(target, method, descriptor);
  };
}

/** Maps each job name to the one service method that handles it; processors only dispatch. */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly handlers = new Map<JobName, JobHandler>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const h of discoverHandlers<JobName>(this.discovery, JOB_HANDLER)) this.register(h.meta, h.call as unknown as JobHandler);
  }

  private register<N extends JobName>(name: N, handler: JobHandler<N>): void {
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
