/** A real S3-compatible HTTP server for tests and the benchmark: s3rver on a free loopback port, files in a temp dir. */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { S3BlobStoreOptions } from '../s3-blob-store';

export async function startTestS3(bucket = 'bids'): Promise<{ options: S3BlobStoreOptions; stop: () => Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver');
  const dir = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const addr: { port: number } = await server.run();
  return {
    options: {
      bucket,
      endpoint: `http://127.0.0.1:${addr.port}`,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
