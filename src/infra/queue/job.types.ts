import { type JobName } from './queue.constants';

/** Every job payload, typed once (immich's JobItem). Payloads carry ids, never entities. */
export type JobItem =
  | { name: JobName.RunScheduledEvent; data: { eventId: string } }
  | { name: JobName.SweepScheduledEvents; data: Record<string, never> }
  | { name: JobName.DeliverNotification; data: { notificationId: string } }
  | { name: JobName.ComputeTenderFlags; data: { tenderId: string } }
  | { name: JobName.ComputeHistoryFlags; data: { trigger: string } }
  | { name: JobName.RenderOpeningRecordPdf; data: { tenderId: string } };

export type JobData<N extends JobName> = Extract<JobItem, { name: N }>['data'];

export type JobHandler<N extends JobName = JobName> = (data: JobData<N>, meta: { jobId?: string }) => Promise<void>;
