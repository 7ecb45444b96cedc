import type { DataSource } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `run` while a SQL trigger makes one step of a workflow fail (RAISE EXCEPTION 'injected failure'), so that its
 * transaction rolls back; the trigger and its function are dropped afterwards, whatever `run` did.
 * `name`: the trigger's and the function's name; `on`: e.g. 'BEFORE INSERT ON tender_amendments'; `when`: the row
 * condition (only rows of the test's own tender, so that other specs sharing the database are not affected).
 */
export async function withFailingTrigger<T>(ds: DataSource, t: { name: string; on: string; when: string }, run: () => Promise<T>): Promise<T> {
  if (!/^[a-z_]+$/.test(t.name)) throw new Error(`not a trigger name: ${t.name}`);
  await ds.query(`CREATE FUNCTION ${t.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
  try {
    await ds.query(`CREATE TRIGGER ${t.name} ${t.on} FOR EACH ROW WHEN (${t.when}) EXECUTE FUNCTION ${t.name}()`);
    try {
      return await run();
    } finally {
      await ds.query(`DROP TRIGGER ${t.name} ${t.on.replace(/^.* ON /, 'ON ')}`);
    }
  } finally {
    await ds.query(`DROP FUNCTION ${t.name}()`);
  }
}

const uuid = (id: string): string => {
  if (!UUID.test(id)) throw new Error(`not a uuid: ${id}`);
  return id;
};

/**
 * A publication of `tenderId` that fails at its last step (the draw-seed commitment, after every escrow deposit):
 * the publication's transaction rolls back while `run` publishes.
 */
export function withFailingPublication<T>(ds: DataSource, tenderId: string, run: () => Promise<T>): Promise<T> {
  return withFailingTrigger(ds, { name: 'test_fail_publication', on: 'BEFORE UPDATE OF draw_seed_commitment ON tenders', when: `NEW.id = '${uuid(tenderId)}'::uuid` }, run);
}

/** An amendment of `tenderId` that fails when its row is inserted (after the custodians' reschedule): its transaction rolls back. */
export function withFailingAmendment<T>(ds: DataSource, tenderId: string, run: () => Promise<T>): Promise<T> {
  return withFailingTrigger(ds, { name: 'test_fail_amendment', on: 'BEFORE INSERT ON tender_amendments', when: `NEW.tender_id = '${uuid(tenderId)}'::uuid` }, run);
}
