/**
 * Recomputes a recorded expert draw (expert-draw-v1 or expert-draw-v2) from the platform's public output (docs/EXPERT_DRAW.md), without trusting the
 * platform: the seed against its commitment, each candidate list against its hash, each selection against the seed.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register src/modules/experts/cli/verify-draw.ts <file.json | ->
 *   curl -s https://<platform>/api/v1/tenders/<id>/panel/draw-record | node ... verify-draw.ts -
 *
 * Exit code 0 and "VALID" when every round recomputes; 1 with the problems otherwise; 2 on unreadable input.
 */
import { readFileSync } from 'fs';
import { type DrawRecord, type DrawRecordV2, verifyAnyDrawRecord } from '../draw/expert-draw.algorithm';

export function verifyDrawJson(json: string): { valid: boolean; problems: string[]; rounds: number } {
  const record = JSON.parse(json) as DrawRecord | DrawRecordV2;
  const verdict = verifyAnyDrawRecord(record); // expert-draw-v1 and expert-draw-v2
  return { ...verdict, rounds: record.rounds?.length ?? 0 };
}

if (require.main === module) {
  const arg = process.argv[2];
  let input: string;
  try {
    input = !arg || arg === '-' ? readFileSync(0, 'utf8') : readFileSync(arg, 'utf8');
    const v = verifyDrawJson(input);
    process.stdout.write(v.valid ? `VALID: ${v.rounds} round(s) recomputed from the seed\n` : `INVALID:\n${v.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(v.valid ? 0 : 1);
  } catch (e) {
    process.stderr.write(`cannot read the draw record: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
