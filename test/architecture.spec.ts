import { readdirSync, readFileSync } from 'fs';
import { join, relative, sep } from 'path';

/**
 * Issue 18: each module owns its tables. This is the ownership register, checked against the migrations and the
 * repositories' SQL:
 * - every table the migrations create has exactly one owning module here;
 * - only the owner's repositories write a table (INSERT / UPDATE / DELETE);
 * - another module's table is read only by a declared read model: the method's (or its class's) doc comment says
 *   `Read model (…)` and names the table.
 * (ESLint already keeps `.query(` / `createQueryBuilder(` inside `*.repository.ts`; eslint.config.mjs.)
 */
const OWNERS: Record<string, readonly string[]> = {
  audit: ['audit_events', 'audit_heads'],
  'bid-security': ['bank_refund_instructions', 'bid_guarantees', 'bid_security_accounts', 'bid_security_payments', 'bid_security_refunds', 'ledger_entries'],
  bids: ['bid_upload_pieces', 'bid_uploads', 'bid_validity_extension_responses', 'bid_validity_extensions', 'bid_versions', 'bids', 'platform_keys'],
  custody: ['blind_index_legacy_tenders', 'blind_index_lookups', 'escrow_custody_shares'],
  evaluation: [
    'awards',
    'bidder_clarification_requests',
    'candidate_publicities',
    'evaluation_reports',
    'evaluation_rules',
    'evaluation_signatures',
    'evaluation_verdicts',
    'evaluations',
    'qualification_findings',
    'result_objections',
  ],
  experts: ['expert_conflicts', 'expert_draw_alerts', 'expert_draw_lists', 'expert_draw_rounds', 'expert_draws', 'expert_specialties', 'experts', 'panel_members'],
  identity: ['agency_authorizations', 'organizations', 'users'],
  jurisdictions: ['jurisdictions', 'offline_projects', 'supervisor_scopes'],
  notifications: ['notification_reads', 'notifications'],
  opening: ['decryption_attempts', 'opening_objections', 'opening_records'],
  scheduling: ['scheduled_events'],
  supervision: ['collusion_flags', 'collusion_screen_models', 'complaints', 'supervision_case_subjects', 'supervision_cases', 'supervision_penalties'],
  tenders: [
    'legal_holiday_years',
    'legal_holidays',
    'procurement_challenges',
    'tender_amendments',
    'tender_document_downloads',
    'tender_documents',
    'tender_invitations',
    'tender_lots',
    'tender_objections',
    'tender_pending_approvals',
    'tender_pre_tender_pledges',
    'tenders',
  ],
};

const ROOT = join(__dirname, '..');
const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

const ownerOf = new Map(Object.entries(OWNERS).flatMap(([module, tables]) => tables.map((t) => [t, module] as const)));

function createdTables(): Set<string> {
  const tables = new Set<string>();
  for (const f of walk(join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"?([a-z_0-9]+)"?/g)) tables.add(m[1]);
  }
  return tables;
}

interface Method {
  file: string;
  module: string;
  name: string;
  doc: string;
  body: string;
}

/** Each method of each repository, with its own doc comment and its class's. */
function repositoryMethods(): Method[] {
  const out: Method[] = [];
  for (const path of walk(join(ROOT, 'src')).filter((f) => f.endsWith('.repository.ts'))) {
    const file = relative(ROOT, path);
    const parts = file.split(sep);
    const module = parts[1] === 'modules' ? parts[2] : parts[1];
    const text = readFileSync(path, 'utf8');
    const starts = [...text.matchAll(/\n {2}(?:private |static |public )?(?:async )?([a-zA-Z_]\w*)\s*[(<]/g)];
    starts.forEach((m, i) => {
      const before = text.slice(0, m.index);
      const own = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*$/.exec(before)?.[1] ?? '';
      const classDocs = [...before.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:@\w+\([^)]*\)\s*)*export class/g)];
      const classDoc = classDocs.length ? classDocs[classDocs.length - 1][1] : '';
      out.push({ file, module, name: m[1], doc: `${own}\n${classDoc}`, body: text.slice(m.index, starts[i + 1]?.index ?? text.length) });
    });
  }
  return out;
}

const tablesIn = (sql: string, re: RegExp) => new Set([...sql.matchAll(re)].map((m) => m[1]).filter((t) => ownerOf.has(t)));

describe('architecture: each module owns its tables (issue 18)', () => {
  const methods = repositoryMethods();

  it('every table the migrations create has exactly one owner in the register, and the register names no other', () => {
    const created = createdTables();
    expect([...created].filter((t) => !ownerOf.has(t)).sort()).toEqual([]);
    expect([...ownerOf.keys()].filter((t) => !created.has(t)).sort()).toEqual([]);
    const all = Object.values(OWNERS).flat();
    expect(all.length).toBe(new Set(all).size);
  });

  it('the check finds the repositories and their SQL (it cannot pass by reading nothing)', () => {
    expect(methods.length).toBeGreaterThan(300);
    expect(methods.some((m) => m.module === 'tenders' && m.name === 'markLotFailed' && /UPDATE tender_lots/.test(m.body))).toBe(true);
  });

  it("only the owning module's repositories write a table", () => {
    const foreignWrites = methods.flatMap((m) =>
      [...tablesIn(m.body, /\b(?:UPDATE|INSERT INTO|DELETE FROM)\s+([a-z_0-9]+)\b/g)]
        .filter((t) => ownerOf.get(t) !== m.module)
        .map((t) => `${m.file} ${m.name}: writes ${t} (${ownerOf.get(t)})`),
    );
    expect(foreignWrites).toEqual([]);
  });

  it("another module's table is read only by a declared read model that names it", () => {
    const undeclared = methods.flatMap((m) =>
      [...tablesIn(m.body, /\b(?:FROM|JOIN)\s+([a-z_0-9]+)\b/g)]
        .filter((t) => ownerOf.get(t) !== m.module && !(/Read model \(/.test(m.doc) && new RegExp(`\\b${t}\\b`).test(m.doc)))
        .map((t) => `${m.file} ${m.name}: reads ${t} (${ownerOf.get(t)})`),
    );
    expect(undeclared).toEqual([]);
  });

  it("no module reads or writes another module's entity through the EntityManager (it asks the owner's repository)", () => {
    const files = walk(join(ROOT, 'src', 'modules')).filter((f) => f.endsWith('.ts') && !f.includes(`${sep}__tests__${sep}`));
    const moduleOf = (f: string) => relative(join(ROOT, 'src', 'modules'), f).split(sep)[0];
    const entityModule = new Map<string, string>();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('@Entity(')) for (const m of text.matchAll(/export class (\w+Entity)\b/g)) entityModule.set(m[1], moduleOf(f));
    }
    expect(entityModule.size).toBeGreaterThan(20);
    const foreign = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/\.(?:find\w*|insert|update|save|delete|count\w*|exists\w*|upsert|increment|decrement)\(\s*(\w+Entity)\b/g)]
        .filter((m) => entityModule.has(m[1]) && entityModule.get(m[1]) !== moduleOf(f))
        .map((m) => `${relative(ROOT, f)}: ${m[0]} (${entityModule.get(m[1])})`),
    );
    expect(foreign).toEqual([]);
  });
});
