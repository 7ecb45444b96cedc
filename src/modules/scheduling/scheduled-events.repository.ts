import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from './scheduled-event.entity';

/** A pending event as its BullMQ job needs it. */
export interface PlannedEventRow {
  id: string;
  runAt: Date;
  failures: number;
}

/** A locked event row, with whether it is due by the database clock and by how much it is late. */
export interface LockedEventRow {
  id: string;
  kind: ScheduledEventKind;
  subjectId: string;
  tenderId: string | null;
  runAt: Date;
  status: ScheduledEventEntity['status'];
  runs: number;
  failures: number;
  createdAt: Date;
  doneAt: Date | null;
  due: boolean;
  latenessMs: number;
}

/** Owns `scheduled_events`. Every method takes the caller's EntityManager (its transaction). */
@Injectable()
export class ScheduledEventsRepository {
  /** Inserts the pending event of (kind, subject) or moves the one there is (one pending per kind and subject). */
  async upsertPending(m: EntityManager, spec: { kind: ScheduledEventKind; subjectId: string; tenderId: string | null; runAt: Date }): Promise<PlannedEventRow> {
    const rows: Array<{ id: string; run_at: Date; failures: number }> = await m.query(
      `INSERT INTO scheduled_events (kind, subject_id, tender_id, run_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, subject_id) WHERE status = 'PENDING'
       DO UPDATE SET run_at = EXCLUDED.run_at
       RETURNING id, run_at, failures`,
      [spec.kind, spec.subjectId, spec.tenderId, spec.runAt],
    );
    return { id: rows[0].id, runAt: new Date(rows[0].run_at), failures: rows[0].failures };
  }

  async cancelPending(m: EntityManager, kind: ScheduledEventKind, subjectId: string): Promise<void> {
    await m.query(
      `UPDATE scheduled_events SET status = 'CANCELLED', done_at = clock_timestamp()
       WHERE kind = $1 AND subject_id = $2 AND status = 'PENDING'`,
      [kind, subjectId],
    );
  }

  /** FOR UPDATE (SKIP LOCKED with `skipLocked`: null when another transaction holds it). */
  async lock(m: EntityManager, eventId: string, opts: { skipLocked?: boolean } = {}): Promise<LockedEventRow | null> {
    const rows: Array<{
      id: string;
      kind: ScheduledEventKind;
      subject_id: string;
      tender_id: string | null;
      run_at: Date;
      status: ScheduledEventEntity['status'];
      runs: number;
      failures: number;
      created_at: Date;
      done_at: Date | null;
      due: boolean;
      lateness_ms: number;
    }> = await m.query(
      `SELECT id, kind, subject_id, tender_id, run_at, status, runs, failures, created_at, done_at,
                  (run_at <= clock_timestamp()) AS due,
                  floor(extract(epoch FROM clock_timestamp() - run_at) * 1000)::int AS lateness_ms
           FROM scheduled_events WHERE id = $1 FOR UPDATE ${opts.skipLocked ? 'SKIP LOCKED' : ''}`,
      [eventId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      kind: r.kind,
      subjectId: r.subject_id,
      tenderId: r.tender_id,
      runAt: new Date(r.run_at),
      status: r.status,
      runs: r.runs,
      failures: r.failures,
      createdAt: r.created_at,
      doneAt: r.done_at,
      due: r.due,
      latenessMs: r.lateness_ms,
    };
  }

  async markDone(m: EntityManager, eventId: string, latenessMs: number): Promise<void> {
    await m.query(
      `UPDATE scheduled_events SET status = 'DONE', runs = runs + 1, done_at = clock_timestamp(), lateness_ms = $2
           WHERE id = $1`,
      [eventId, latenessMs],
    );
  }

  /** The ids of up to `limit` pending events overdue by more than `graceSeconds`, the oldest first. */
  async overdueIds(m: EntityManager, graceSeconds: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM scheduled_events
       WHERE status = 'PENDING' AND run_at <= clock_timestamp() - make_interval(secs => $1)
       ORDER BY run_at LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The pending events due within `horizonSeconds` (every pending one when null). */
  async pendingWithin(m: EntityManager, horizonSeconds: number | null): Promise<PlannedEventRow[]> {
    const rows: Array<{ id: string; run_at: Date; failures: number }> = await m.query(
      horizonSeconds === null
        ? `SELECT id, run_at, failures FROM scheduled_events WHERE status = 'PENDING'`
        : `SELECT id, run_at, failures FROM scheduled_events
           WHERE status = 'PENDING' AND run_at <= clock_timestamp() + make_interval(secs => $1)`,
      horizonSeconds === null ? [] : [horizonSeconds],
    );
    return rows.map((r) => ({ id: r.id, runAt: new Date(r.run_at), failures: r.failures }));
  }

  /** Counts a failed run on a pending event; null when it is no longer pending. */
  async recordFailure(m: EntityManager, eventId: string, message: string): Promise<{ kind: string; failures: number } | null> {
    const rows: Array<{ kind: string; failures: number }> = await m.query(
      `WITH u AS (
           UPDATE scheduled_events SET failures = failures + 1, last_error = left($2, 1000), last_failed_at = clock_timestamp()
           WHERE id = $1 AND status = 'PENDING' RETURNING kind, failures)
         SELECT kind, failures FROM u`,
      [eventId, message],
    );
    return rows[0] ?? null;
  }

  /** Locks the pending event of (kind, subject), if any (FOR UPDATE). */
  async lockPending(m: EntityManager, kind: ScheduledEventKind, subjectId: string): Promise<void> {
    await m.query(`SELECT id FROM scheduled_events WHERE kind = $1 AND subject_id = $2 AND status = 'PENDING' FOR UPDATE`, [kind, subjectId]);
  }
}
