/**
 * bid-seal commands of sealed-bid format v2 (docs/SEALED_BID_FORMAT.md "format v2"): seal-v2 and open-v2 work
 * offline on files of any size as streams; upload sends a sealed file to the platform in resumable pieces.
 */
import { closeSync, openSync, readSync, statSync } from 'fs';
import { basename, resolve } from 'path';
import { collectClientInfo } from '../client-info';
import { SDK_VERSION, TOOL_NAME } from '../constants';
import { BidUploadError, isSuiteId, keyFileTextV2, openBidV2, ResumableBidUpload, sealBidV2, type SealedEnvelopeV2, type SuiteId } from '../v2';
import { fileChunks, fileSink, nodeSuite } from '../v2/node';
import { checkOutputs, CliError, type CliIo, EXIT_OK, parseOptions, readJsonObject, required, writeOutput } from './cli-io';
import { normalizeId } from './ids';
import { verifyReceiptAnyCommand } from './verify-receipt-v2.command';

export interface AsyncCliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const sealUsage = `Usage: bid-seal seal-v2 --suite INTL-1|GM-1 --tender-json tender.json --org ORGID --price AMOUNT
                        --attachment FILE... --out bid.sealed --envelope-out bid-envelope.json --key-out bid.key

Seals a bid file offline in format v2 (streaming, any size) and writes the sealed file, the envelope (the body of
POST /api/v1/tenders/{ID}/bid-uploads) and the bid key.
  --suite S                 INTL-1 (AES-256-GCM, X25519, Ed25519) or GM-1 (SM4-GCM, SM2, SM3)
  --tender ID | --tender-json FILE   (the tender's sealing block gives the escrow key of the suite)
  --org ORGID  --price AMOUNT  [--duration-days N]  [--attachment FILE]...  [--author NAME]  [--device-id X]
  --segment-size N          plaintext bytes per segment (default 1048576)
  --force                   overwrite existing outputs`;

const openUsage = `Usage: bid-seal open-v2 --file bid.sealed --envelope bid-envelope.json --key bid.key --tender ID --org ORGID
Checks offline that a v2 sealed file opens with its key exactly as the platform will; prints price and attachment digests.`;

const uploadUsage = `Usage: bid-seal upload --url https://platform.example --token TOKEN --tender ID --file bid.sealed
                       --envelope bid-envelope.json [--upload-id ID] [--piece-size BYTES] [--receipt-out receipt.json]
Uploads a v2 sealed file in resumable pieces and finalises it. Interrupted? Run it again with --upload-id (printed
at the start): it asks the platform where to resume (HEAD Upload-Offset) and sends the rest.`;

function keyFromFile(io: CliIo, path: string): Buffer {
  const o = readJsonObject(io, path, 'key file');
  if (typeof o.key !== 'string') throw new CliError(`key file "${path}" has no key`);
  return Buffer.from(o.key, 'base64');
}

export const sealV2Command: AsyncCliCommand = {
  name: 'seal-v2',
  summary: 'seal a bid file of any size (format v2, INTL-1 or GM-1), streaming',
  usage: sealUsage,
  async run(args, io) {
    const o = parseOptions(
      args,
      {
        suite: { type: 'string' },
        tender: { type: 'string' },
        'tender-json': { type: 'string' },
        org: { type: 'string' },
        price: { type: 'string' },
        'duration-days': { type: 'string' },
        attachment: { type: 'string', multiple: true },
        author: { type: 'string' },
        'device-id': { type: 'string' },
        'segment-size': { type: 'string' },
        out: { type: 'string' },
        'envelope-out': { type: 'string' },
        'key-out': { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      'seal-v2',
    );
    if (o.help) return (io.stdout(`${sealUsage}\n`), EXIT_OK);
    const suiteId = required(o.suite, '--suite', 'seal-v2');
    if (!isSuiteId(suiteId)) throw new CliError(`unknown suite "${suiteId}" (INTL-1 or GM-1)`);
    const tenderJson = o['tender-json'] ? readJsonObject(io, o['tender-json'], 'tender JSON') : null;
    const sealing = (tenderJson?.sealing ?? {}) as Record<string, string | undefined>;
    const tenderId = normalizeId(o.tender ?? (tenderJson?.id as string | undefined) ?? required(o.tender, '--tender', 'seal-v2'), '--tender');
    const org = normalizeId(required(o.org, '--org', 'seal-v2'), '--org');
    const out = required(o.out, '--out', 'seal-v2');
    const envOut = required(o['envelope-out'], '--envelope-out', 'seal-v2');
    const keyOut = required(o['key-out'], '--key-out', 'seal-v2');
    checkOutputs(io, [out, envOut, keyOut], !!o.force);
    const escrow = suiteId === 'GM-1' ? sealing.escrowPublicKeySm2 : sealing.escrowPublicKey;
    const files = (o.attachment ?? []).map((p) => {
      const full = resolve(io.cwd, p);
      try {
        return { name: basename(p), size: statSync(full).size, content: fileChunks(full) }; // 4 MiB reads into two reused buffers
      } catch {
        throw new CliError(`cannot read attachment "${p}"`);
      }
    });
    // 4 MiB reads and two 4 MiB write buffers, reused: the disk write of one buffer overlaps the sealing of the next,
    // and a large file is sealed on worker threads with no buffer allocated per segment (src/sdk/v2/node-file.ts).
    const sink = await fileSink(resolve(io.cwd, out), { flags: o.force ? 'w' : 'wx' });
    let sealed: Awaited<ReturnType<typeof sealBidV2>>;
    try {
      sealed = await sealBidV2({
        suite: nodeSuite(suiteId as SuiteId),
        tenderId,
        bidderOrganizationId: org,
        bid: { price: required(o.price, '--price', 'seal-v2'), currency: 'CNY', ...(o['duration-days'] ? { durationDays: Number(o['duration-days']) } : {}) },
        attachments: files,
        escrowPublicKey: escrow ? Buffer.from(escrow, suiteId === 'GM-1' ? 'hex' : 'base64') : undefined,
        segmentSize: o['segment-size'] ? Number(o['segment-size']) : undefined,
        write: (segment) => sink.write(segment),
        writeConsumes: true,
      });
    } catch (e) {
      await sink.abort();
      throw e;
    }
    await sink.close();
    const client = collectClientInfo({ deviceId: o['device-id'], documentAuthor: o.author, toolVersion: `${TOOL_NAME}/${SDK_VERSION} (sealed-bid v2 ${suiteId})` });
    writeOutput(io, envOut, `${JSON.stringify({ ...sealed.envelope, client }, null, 2)}\n`, { mode: 0o644, force: !!o.force });
    // One key file format for the CLI and the console (src/sdk/v2/key-file.ts).
    writeOutput(
      io,
      keyOut,
      keyFileTextV2({
        suite: suiteId,
        tenderId,
        bidderOrganizationId: org,
        keyCommitment: sealed.envelope.keyCommitment,
        ciphertextHash: sealed.envelope.ciphertextHash,
        key: sealed.key,
      }),
      { mode: 0o600, force: !!o.force },
    );
    io.stdout(`sealed ${sealed.plaintextLength} bytes → ${sealed.envelope.ciphertextLength} bytes (${suiteId}), ciphertextHash ${sealed.envelope.ciphertextHash}\n`);
    return EXIT_OK;
  },
};

export const openV2Command: AsyncCliCommand = {
  name: 'open-v2',
  summary: 'check offline that a v2 sealed file opens with its key (as the platform will)',
  usage: openUsage,
  async run(args, io) {
    const o = parseOptions(
      args,
      {
        file: { type: 'string' },
        envelope: { type: 'string' },
        key: { type: 'string' },
        tender: { type: 'string' },
        org: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      'open-v2',
    );
    if (o.help) return (io.stdout(`${openUsage}\n`), EXIT_OK);
    const env = readJsonObject(io, required(o.envelope, '--envelope', 'open-v2'), 'envelope');
    if (!isSuiteId(env.suite)) throw new CliError('the envelope names no known suite');
    const opened = await openBidV2({
      suite: nodeSuite(env.suite),
      tenderId: normalizeId(required(o.tender, '--tender', 'open-v2'), '--tender'),
      bidderOrganizationId: normalizeId(required(o.org, '--org', 'open-v2'), '--org'),
      segmentSize: Number(env.segmentSize),
      ciphertextLength: Number(env.ciphertextLength),
      noncePrefix: Buffer.from(String(env.noncePrefix), 'base64'),
      keyCommitment: String(env.keyCommitment),
      key: keyFromFile(io, required(o.key, '--key', 'open-v2')),
      sealed: fileChunks(resolve(io.cwd, required(o.file, '--file', 'open-v2'))),
      sourceReusesBuffers: true,
    });
    io.stdout(`${JSON.stringify(opened, null, 2)}\n`);
    return EXIT_OK;
  },
};

export const uploadCommand: AsyncCliCommand = {
  name: 'upload',
  summary: 'upload a v2 sealed file in resumable pieces and finalise it (online)',
  usage: uploadUsage,
  async run(args, io) {
    const o = parseOptions(
      args,
      {
        url: { type: 'string' },
        token: { type: 'string' },
        tender: { type: 'string' },
        file: { type: 'string' },
        envelope: { type: 'string' },
        'upload-id': { type: 'string' },
        'piece-size': { type: 'string' },
        'receipt-out': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      'upload',
    );
    if (o.help) return (io.stdout(`${uploadUsage}\n`), EXIT_OK);
    const transport = {
      url: `${required(o.url, '--url', 'upload').replace(/\/$/, '')}/api/v1/tenders/${normalizeId(required(o.tender, '--tender', 'upload'), '--tender')}/bid-uploads`,
      headers: () => ({ Authorization: `Bearer ${required(o.token, '--token', 'upload')}` }),
    };
    const file = resolve(io.cwd, required(o.file, '--file', 'upload'));
    const size = statSync(file).size;
    const pieceSize = o['piece-size'] ? Number(o['piece-size']) : 8 * 1024 * 1024;
    if (!Number.isSafeInteger(pieceSize) || pieceSize < 1) throw new CliError('--piece-size must be a positive byte count');
    // The same protocol client as the console (src/sdk/v2/upload.ts): a failed piece is retried from HEAD's offset.
    const refused =
      (what: string) =>
      (e: unknown): never => {
        if (e instanceof BidUploadError) throw new CliError(`${what}: ${e.status} ${e.message}`, 1);
        throw e;
      };
    let upload: ResumableBidUpload;
    if (o['upload-id']) upload = await ResumableBidUpload.resume(transport, o['upload-id']).catch(refused('no such upload'));
    else {
      const env = readJsonObject(io, required(o.envelope, '--envelope', 'upload'), 'envelope') as unknown as SealedEnvelopeV2 & { client: object };
      upload = await ResumableBidUpload.create(transport, env).catch(refused('the platform refused the upload'));
      io.stderr(`upload id ${upload.uploadId} (resume with --upload-id ${upload.uploadId})\n`);
    }
    if (upload.length !== size) throw new CliError(`the upload is ${upload.length} bytes, the file ${size}`, 1);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(pieceSize, Math.max(1, size)));
      while (upload.offset < size) {
        const at = upload.offset;
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
        await upload
          .sendPiece(at, buf.subarray(0, n), { onRetry: (r) => r.resumeAt === undefined && io.stderr(`piece at ${r.pieceStart} failed (${r.error.message}); retrying\n`) })
          .catch(refused(`piece at ${at} refused`));
      }
    } finally {
      closeSync(fd);
    }
    const receipt = JSON.stringify(await upload.finalize().catch(refused('finalisation refused')));
    if (o['receipt-out']) writeOutput(io, o['receipt-out'], `${receipt}\n`, { mode: 0o644, force: true });
    io.stdout(`${receipt}\n`);
    return EXIT_OK;
  },
};

/** verify-receipt checks v2 receipts here and hands v1 receipts to the v1 command. */
export const v2Commands: AsyncCliCommand[] = [sealV2Command, openV2Command, uploadCommand, verifyReceiptAnyCommand];
