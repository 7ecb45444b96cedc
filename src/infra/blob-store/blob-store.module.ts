import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { BlobStore } from './blob-store';
import { FsBlobStore } from './fs-blob-store';
import { S3BlobStore } from './s3-blob-store';

export function createBlobStore(config: AppConfig): BlobStore {
  const c = config.blobStore;
  return c.kind === 's3' ? new S3BlobStore(c) : new FsBlobStore(c.dir);
}

/** The blob store of v2 bid files, chosen by BLOB_STORE (fs by default, s3 for a cluster). */
@Global()
@Module({
  providers: [{ provide: BlobStore, useFactory: createBlobStore, inject: [AppConfig] }],
  exports: [BlobStore],
})
export class BlobStoreModule {}
