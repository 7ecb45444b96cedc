import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A timed event never gives up silently: every failed run is counted on its row (the BullMQ job id of its next
 * plan includes the count, so a re-plan is never ignored because a failed job with the same id exists), and the
 * in-process sweeper retries it until it runs, alerting after a few failures.
 */
export class AddScheduledEventFailures1765200000000 implements MigrationInterface {
  name = 'AddScheduledEventFailures1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE scheduled_events
        ADD COLUMN failures int NOT NULL DEFAULT 0,
        ADD COLUMN last_error text,
        ADD COLUMN last_failed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_events DROP COLUMN failures, DROP COLUMN last_error, DROP COLUMN last_failed_at`);
  }
}
