import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * The official OCDS 1.1.5 schemas (test/fixtures/ocds, copied from the standard; see the README there), with the
 * bid extension's release-schema patch merged into the release schema (RFC 7386 JSON Merge Patch), compiled with a
 * draft-04 validator. The package schemas refer to the release schema by its public URL: the merged schema is
 * registered under that id, so nothing is fetched.
 */
const dir = join(__dirname, '../fixtures/ocds');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const RELEASE_ID = 'https://standard.open-contracting.org/schema/1__1__5/release-schema.json';
const VERSIONED_ID = 'https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json';

let compiled: { release: ValidateFunction; releasePackage: ValidateFunction; recordPackage: ValidateFunction } | null = null;

function validators() {
  if (compiled) return compiled;
  const ajv = new Ajv04({ strict: false, allErrors: true });
  addFormats(ajv);
  const release = mergePatch(load('release-schema.json'), load('bid-extension-release-schema.json')) as Record<string, unknown>;
  ajv.addSchema({ ...release, id: RELEASE_ID });
  // The platform publishes no versioned releases: the (absent) versioned-release schema is replaced by one that
  // rejects any value, so a versionedRelease appearing in a record fails the test instead of passing unchecked.
  ajv.addSchema({ id: VERSIONED_ID, not: {} });
  ajv.addSchema(load('release-package-schema.json'));
  ajv.addSchema(load('record-package-schema.json'));
  compiled = {
    release: ajv.getSchema(RELEASE_ID)!,
    releasePackage: ajv.getSchema('https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json')!,
    recordPackage: ajv.getSchema('https://standard.open-contracting.org/schema/1__1__5/record-package-schema.json')!,
  };
  return compiled;
}

export type OcdsKind = 'release' | 'releasePackage' | 'recordPackage';

/** The schema errors of a document (empty when valid). */
export function ocdsErrors(kind: OcdsKind, doc: unknown): ErrorObject[] {
  const v = validators()[kind];
  return v(doc) ? [] : [...(v.errors ?? [])];
}
