import { chmodSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { resolve } from 'path';
import { parseArgs, type ParseArgsConfig } from 'util';

/** Where a command writes and how it resolves relative paths (the process, or a test double). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

export const EXIT_OK = 0;
/** The check or the operation failed: invalid receipt, wrong key, undecryptable bid. */
export const EXIT_FAILED = 1;
/** Bad invocation or unusable input: unknown option, missing file, malformed JSON, invalid price. */
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): number;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs in strict mode, with its errors turned into usage errors. */
export function parseOptions<O extends Options>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliError(`${(e as Error).message}\nRun "bid-seal ${command} --help" for usage.`);
  }
}

export function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') {
    throw new CliError(`${flag} is required.\nRun "bid-seal ${command} --help" for usage.`);
  }
  return value;
}

export function readBytes(io: CliIo, path: string, what: string): Buffer {
  try {
    return readFileSync(resolve(io.cwd, path));
  } catch (e) {
    throw new CliError(`cannot read ${what} "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readText(io: CliIo, path: string, what: string): string {
  return readBytes(io, path, what).toString('utf8');
}

export function readJsonObject(io: CliIo, path: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readText(io, path, what));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${what} "${path}" is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${what} "${path}" must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Fails before anything is written when an output exists (unless forced) or two outputs are the same file. */
export function checkOutputs(io: CliIo, paths: string[], force: boolean): void {
  const full = paths.map((p) => resolve(io.cwd, p));
  if (new Set(full).size !== full.length) throw new CliError('the output files must be different files');
  const existing = force ? [] : paths.filter((_, i) => existsSync(full[i]));
  if (existing.length) {
    throw new CliError(`${existing.map((p) => `"${p}"`).join(' and ')} already exist(s); pass --force to overwrite`);
  }
}

/** Refuses to overwrite unless forced; `mode` is enforced even on an overwritten file. */
export function writeOutput(io: CliIo, path: string, data: string, opts: { mode: number; force: boolean }): void {
  const full = resolve(io.cwd, path);
  if (!opts.force && existsSync(full)) {
    throw new CliError(`"${path}" already exists; pass --force to overwrite it`);
  }
  try {
    writeFileSync(full, data, { mode: opts.mode, flag: opts.force ? 'w' : 'wx' });
    chmodSync(full, opts.mode);
  } catch (e) {
    throw new CliError(`cannot write "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
