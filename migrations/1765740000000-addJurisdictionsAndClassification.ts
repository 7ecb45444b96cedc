import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 19, the city's structure:
 * - jurisdictions: the city (盐城市) and its counties, county-level cities and districts, by their GB/T 2260
 *   administrative division codes. Every tender belongs to one (`tenders.jurisdiction_code`, default: the city).
 * - tenders.sub_class / tenders.sector: the sub-class of business (房建市政, 交通, 水利, 监理...) and the sector
 *   regulator (行政监督部门) that supervises it, derived from the class and sub-class at drafting.
 * - supervisor_scopes: a supervisor's jurisdiction and trades. A SUPERVISOR without a row is a city supervisor of
 *   every trade (API.md v1 stays valid).
 * - offline_projects: projects registered at the centre but traded offline, for the statistics only (never bids).
 */
export class AddJurisdictionsAndClassification1765740000000 implements MigrationInterface {
  name = 'AddJurisdictionsAndClassification1765740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jurisdictions (
        code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
        name text NOT NULL,
        level text NOT NULL CHECK (level IN ('CITY', 'COUNTY')),
        parent_code text NULL REFERENCES jurisdictions (code),
        position int NOT NULL DEFAULT 0,
        CHECK ((level = 'CITY') = (parent_code IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_JURISDICTIONS_ONE_CITY" ON jurisdictions ((level)) WHERE level = 'CITY'`);
    await q.query(`INSERT INTO jurisdictions (code, name, level, parent_code, position) VALUES ('320900', '盐城市', 'CITY', NULL, 0)`);
    const counties: Array<[string, string]> = [
      ['320902', '亭湖区'],
      ['320903', '盐都区'],
      ['320904', '大丰区'],
      ['320921', '响水县'],
      ['320922', '滨海县'],
      ['320923', '阜宁县'],
      ['320924', '射阳县'],
      ['320925', '建湖县'],
      ['320981', '东台市'],
    ];
    for (const [i, [code, name]] of counties.entries()) {
      await q.query(`INSERT INTO jurisdictions (code, name, level, parent_code, position) VALUES ($1, $2, 'COUNTY', '320900', $3)`, [code, name, i + 1]);
    }

    await q.query(`ALTER TABLE tenders ADD COLUMN jurisdiction_code text NOT NULL DEFAULT '320900' REFERENCES jurisdictions (code)`);
    await q.query(`ALTER TABLE tenders ADD COLUMN sub_class text NULL`);
    await q.query(`ALTER TABLE tenders ADD COLUMN sector text NULL`);
    await q.query(`CREATE INDEX "IDX_TENDERS_JURISDICTION_SECTOR" ON tenders (jurisdiction_code, sector)`);
    // Existing tenders: the sector of their class (the same defaults as business-classification.ts).
    await q.query(`
      UPDATE tenders SET sector = CASE
        WHEN regime = 'GOV_PROCUREMENT' THEN 'FINANCE'
        WHEN category = 'CONSTRUCTION_WORKS' THEN 'HOUSING'
        WHEN category = 'PROPERTY_RIGHTS' THEN 'STATE_ASSETS'
        WHEN category = 'LAND_AND_MINING_RIGHTS' THEN 'NATURAL_RESOURCES'
        WHEN category = 'MEDICAL_SUPPLIES' THEN 'HEALTHCARE_SECURITY'
        ELSE 'NDRC' END`);

    await q.query(`
      CREATE TABLE supervisor_scopes (
        user_id uuid PRIMARY KEY REFERENCES users (id),
        jurisdiction_code text NOT NULL REFERENCES jurisdictions (code),
        sectors text[] NULL CHECK (sectors IS NULL OR cardinality(sectors) > 0),
        updated_by uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);

    await q.query(`
      CREATE TABLE offline_projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_no text NOT NULL,
        title text NOT NULL,
        category text NOT NULL,
        sub_class text NOT NULL,
        sector text NOT NULL,
        regime text NOT NULL CHECK (regime IN ('ENGINEERING', 'GOV_PROCUREMENT')),
        jurisdiction_code text NOT NULL REFERENCES jurisdictions (code),
        procuring_entity_name text NOT NULL,
        budget numeric(18,2) NOT NULL CHECK (budget > 0),
        contract_amount numeric(18,2) NULL CHECK (contract_amount > 0),
        traded_on date NOT NULL,
        offline_reason text NOT NULL,
        registered_by uuid NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        request_sha256 char(64) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_OFFLINE_PROJECTS_NO" ON offline_projects (project_no)`);
    await q.query(`CREATE INDEX "IDX_OFFLINE_PROJECTS_TRADED_ON" ON offline_projects (traded_on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE offline_projects`);
    await q.query(`DROP TABLE supervisor_scopes`);
    await q.query(`DROP INDEX "IDX_TENDERS_JURISDICTION_SECTOR"`);
    await q.query(`ALTER TABLE tenders DROP COLUMN sector, DROP COLUMN sub_class, DROP COLUMN jurisdiction_code`);
    await q.query(`DROP TABLE jurisdictions`);
  }
}
