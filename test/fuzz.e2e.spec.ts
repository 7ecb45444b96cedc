import { randomUUID } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import type { Test } from 'supertest';
import { adminParty, createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, tenderBody } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Every route of the OpenAPI document, hit with the three kinds of input that used to end as a 500 (a non-UTF-8
 * JSON charset, ~5,000 levels of nested arrays, a NUL character in strings) and a bounded burst of mutated bodies:
 * no 5xx, and nothing stored. Deterministic: the mutations come from a seeded generator.
 */
jest.setTimeout(300_000);

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  format?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};
type Operation = { parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: Schema }> } };

const MUTATIONS_PER_ROUTE = 8;
const NUL = 'a\u0000b';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function nestedArrays(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth));
}
/** ~5,000 levels of nested arrays as JSON text (JSON.stringify itself would overflow on it). */
const DEEP = '['.repeat(5_000) + ']'.repeat(5_000);
const withDeep = (fields: Record<string, unknown>, k: string) => JSON.stringify({ ...fields, [k]: '__DEEP__' }).replace('"__DEEP__"', DEEP);

describe('fuzz: every route refuses bad input with a 4xx and stores nothing', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
  const parties: Array<TestParty | null> = [];
  let tenderId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    doc = (await t.http().get('/docs-json').expect(200)).body;
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    tenderId = (await createPublishedTender(t, { owner, deadlineInMs: 3_600_000 })).id;
    parties.push(owner, await registerParty(t), await adminParty(t), await createStaff(t, Role.SUPERVISOR), await createStaff(t, Role.EXPERT), null);
  });
  afterAll(() => t?.close());

  const resolve = (s: Schema | undefined): Schema => {
    let x = s ?? {};
    for (let i = 0; x.$ref && i < 10; i++) x = doc.components?.schemas?.[x.$ref.split('/').pop()!] ?? {};
    if (x.allOf?.length) return x.allOf.map(resolve).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }), {});
    if (x.oneOf?.length) return resolve(x.oneOf[0]);
    if (x.anyOf?.length) return resolve(x.anyOf[0]);
    return x;
  };

  /** A plausible value for a schema, with `str` for every string (a NUL-laden one for the NUL class). */
  const sample = (s: Schema | undefined, str: (s: Schema) => string, depth = 0): unknown => {
    const x = resolve(s);
    if (depth > 6) return null;
    if (x.enum?.length) return typeof x.enum[0] === 'string' ? str(x) : x.enum[0];
    switch (x.type) {
      case 'object':
        return Object.fromEntries(Object.entries(x.properties ?? {}).map(([k, v]) => [k, sample(v, str, depth + 1)]));
      case 'array':
        return [sample(x.items, str, depth + 1)];
      case 'integer':
      case 'number':
        return 1;
      case 'boolean':
        return true;
      case 'string':
        return str(x);
      default:
        return x.properties ? sample({ ...x, type: 'object' }, str, depth) : str(x);
    }
  };

  const bodySchema = (op: Operation) => op.requestBody?.content?.['application/json']?.schema;
  const url = (path: string) => path.replace(/\{([^}]+)\}/g, (_, name: string) => (/^(id|tenderId)$/.test(name) ? tenderId : randomUUID()));

  function send(method: string, path: string, who: TestParty | null, body?: unknown, contentType?: string) {
    let r = (t.http() as unknown as Record<string, (u: string) => Test>)[method](path);
    if (who) r = r.set(who.auth);
    if (body !== undefined) {
      r = r.set('Content-Type', contentType ?? 'application/json');
      r = r.send(typeof body === 'string' ? body : JSON.stringify(body));
    }
    return r;
  }

  async function tableCounts(): Promise<Record<string, number>> {
    const tables: Array<{ tablename: string }> = await t.dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const out: Record<string, number> = {};
    for (const { tablename } of tables) out[tablename] = (await t.dataSource.query(`SELECT count(*)::int AS n FROM "${tablename}"`))[0].n;
    return out;
  }

  it('0 × 5xx and nothing stored', async () => {
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({ method, path, op })),
    );
    expect(routes.length).toBeGreaterThan(40);
    const random = rng(12);
    const failures: string[] = [];
    const check = (what: string, status: number, expected?: number[]) => {
      if (status >= 500 || (expected && !expected.includes(status))) failures.push(`${what} → ${status}`);
    };

    // Who gets past each route's guard: a NUL body never changes anything, whoever sends it.
    const plan: Array<{ method: string; path: string; op: Operation; who: TestParty | null }> = [];
    for (const r of routes) {
      let who: TestParty | null | undefined;
      for (const p of parties) {
        const res = await send(r.method, url(r.path), p, { probe: NUL });
        check(`${r.method.toUpperCase()} ${r.path} (probe)`, res.status);
        if (res.status !== 401 && res.status !== 403) {
          who = p;
          break;
        }
      }
      plan.push({ ...r, who: who ?? parties[2] });
    }

    // Routes that read no body only need to stay clear of 5xx; the others must also store nothing.
    const CLIENT_ERROR = Array.from({ length: 100 }, (_, i) => 400 + i);
    const withBody = plan.filter((r) => ['post', 'put', 'patch'].includes(r.method) && bodySchema(r.op));
    for (const { method, path, op, who } of plan.filter((r) => !withBody.includes(r))) {
      const u = url(path);
      check(`${method.toUpperCase()} ${path} charset=latin1`, (await send(method, u, who, '{"a":"b"}', 'application/json; charset=latin1')).status);
      check(`${method.toUpperCase()} ${path} nested`, (await send(method, u, who, DEEP, 'application/json')).status);
      const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      if (queryNames.length) {
        const qs = queryNames.map((q) => `${encodeURIComponent(q)}=${encodeURIComponent(NUL)}`).join('&');
        check(`${method.toUpperCase()} ${path} ?NUL`, (await send(method, `${u}?${qs}`, who)).status, CLIENT_ERROR);
      }
    }

    const before = await tableCounts();
    for (const { method, path, op, who } of withBody) {
      const name = `${method.toUpperCase()} ${path}`;
      const schema = bodySchema(op);
      const u = url(path);
      // 1. A JSON body in another charset: 415 (or the guard's 401/403 first).
      check(`${name} charset=latin1`, (await send(method, u, who, '{"a":"b"}', 'application/json; charset=latin1')).status, [401, 403, 415]);
      // 2. ~5,000 levels of nested arrays, at the top and in every field.
      check(`${name} nested`, (await send(method, u, who, DEEP, 'application/json')).status, CLIENT_ERROR);
      const fields = sample(schema, () => 'x');
      if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
        for (const k of Object.keys(fields)) {
          check(`${name} nested .${k}`, (await send(method, u, who, withDeep(fields as Record<string, unknown>, k), 'application/json')).status, CLIENT_ERROR);
        }
      }
      // 3. A NUL in every string (and in a field when the body has no string).
      let nul = sample(schema, () => NUL) as Record<string, unknown>;
      if (!JSON.stringify(nul ?? {}).includes('\\u0000')) nul = { ...(nul ?? {}), [Object.keys(nul ?? {})[0] ?? 'x']: NUL };
      check(`${name} NUL`, (await send(method, u, who, nul)).status, CLIENT_ERROR);
      // 4. A bounded burst of mutated bodies, each with at least one NUL somewhere: never a 5xx, never stored.
      for (let i = 0; i < MUTATIONS_PER_ROUTE; i++) {
        const base = sample(schema, (x) => (x.format === 'date-time' ? new Date(Date.now() + 86_400_000).toISOString() : x.format === 'uuid' ? randomUUID() : 'ok')) as Record<
          string,
          unknown
        >;
        const body: Record<string, unknown> = base && typeof base === 'object' && !Array.isArray(base) ? { ...base } : {};
        const keys = Object.keys(body);
        const bad: unknown[] = [NUL, -1, 1e308, '9999-12-31T00:00:00.000Z', '', 'x'.repeat(5_000), [], {}, null, true, [NUL], { [NUL]: 1 }, nestedArrays(40), '0x00', '1e999'];
        for (let j = 0; j < 3; j++) {
          const k = keys.length ? keys[Math.floor(random() * keys.length)] : `extra${j}`;
          body[k] = bad[Math.floor(random() * bad.length)];
        }
        const nulKey = keys.length ? keys[Math.floor(random() * keys.length)] : 'x';
        body[nulKey] = typeof body[nulKey] === 'string' ? `${body[nulKey]}\u0000` : NUL;
        check(`${name} mutation ${i}`, (await send(method, u, who, body)).status, CLIENT_ERROR);
      }
    }
    const after = await tableCounts();
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
  });

  it('the tender factory still makes a valid body (the fuzz bodies are built the same way)', () => {
    expect(tenderBody()).toHaveProperty('bidDeadline');
  });
});
