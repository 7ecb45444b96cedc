import { Body, Controller, Get, Head, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { ValidationFailedException } from 'src/common/errors/domain.exception';
import { BidUploadsService } from './bid-uploads.service';
import { CreateBidUploadDto } from './create-bid-upload.dto';
import { FinalizeBidUploadUseCase } from './finalize-bid-upload.use-case';

const DECIMAL = /^(0|[1-9]\d{0,15})$/;

/** Resumable uploads of v2 sealed bid files (docs/SEALED_BID_FORMAT.md v2.6; tus-style offsets). */
@ApiTags('sealed bids (电子投标文件)')
@Controller('tenders/:id/bid-uploads')
export class BidUploadsController {
  constructor(
    private readonly uploads: BidUploadsService,
    private readonly finalizer: FinalizeBidUploadUseCase,
  ) {}

  @Post()
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: 'Start a resumable upload of a format v2 sealed bid file for one lot (标段) → 201 { uploadId, status, offset: 0, length, lotNo }',
    description:
      '`lotNo` (default 1): the lot bid for; finalising replaces the bidder’s earlier bid on that lot only. 404 NOT_FOUND for a lot the tender does not have (a tender without lots is lot 1 only), ' +
      '400 UNSUPPORTED_SUITE / INVALID_BID_FILE_LENGTH, 413 BID_FILE_TOO_LARGE, 409 BID_DEADLINE_PASSED; nothing is stored then.',
  })
  create(@UuidParam('id') id: string, @Body() dto: CreateBidUploadDto, @CurrentActor() actor: Actor) {
    return this.uploads.create(id, actor, dto);
  }

  @Head(':uploadId')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({ summary: 'Where to resume: Upload-Offset (bytes stored) and Upload-Length headers' })
  async head(@UuidParam('id') id: string, @Param('uploadId', ParseUUIDPipe) uploadId: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const v = await this.uploads.status(id, uploadId, actor);
    res.setHeader('Upload-Offset', String(v.offset));
    res.setHeader('Upload-Length', String(v.length));
    res.setHeader('Cache-Control', 'no-store');
  }

  @Get(':uploadId')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'The upload: { uploadId, status, offset, length, lotNo }' })
  get(@UuidParam('id') id: string, @Param('uploadId', ParseUUIDPipe) uploadId: string, @CurrentActor() actor: Actor) {
    return this.uploads.status(id, uploadId, actor);
  }

  @Patch(':uploadId')
  @Roles(Role.BIDDER)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Append the next piece: headers Upload-Offset (= bytes stored), Content-Length, Content-Type application/offset+octet-stream; raw body → 204 Upload-Offset',
    description: '409 UPLOAD_OFFSET_MISMATCH for a piece out of order, 400 INVALID_BID_FILE_LENGTH past the stated length; the piece is not stored then.',
  })
  async append(
    @UuidParam('id') id: string,
    @Param('uploadId', ParseUUIDPipe) uploadId: string,
    @Headers('upload-offset') offsetHeader: string | undefined,
    @Headers('content-length') lengthHeader: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const problems: Array<{ field: string; errors: string[] }> = [];
    if (contentType !== 'application/offset+octet-stream') problems.push({ field: 'Content-Type', errors: ['must be application/offset+octet-stream'] });
    if (!offsetHeader || !DECIMAL.test(offsetHeader)) problems.push({ field: 'Upload-Offset', errors: ['must be a decimal byte count'] });
    if (!lengthHeader || !DECIMAL.test(lengthHeader)) problems.push({ field: 'Content-Length', errors: ['must be given (no chunked bodies)'] });
    if (problems.length) throw new ValidationFailedException(problems);
    const v = await this.uploads.append(id, uploadId, actor, Number(offsetHeader), Number(lengthHeader), req);
    res.setHeader('Upload-Offset', String(v.offset));
  }

  @Post(':uploadId/finalize')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary:
      'Finalise: the submission moment (database clock) → 201 v2 receipt { bidId, version, receivedAt, formatVersion, suite, ciphertextHash, ciphertextLength, envelopeHash, envelopeSignature, escrowedKeyStored, lotNo }',
    description:
      'The bid is the bidder’s bid on the upload’s lot (a new one, or the next version of its bid on that lot only). 409 UPLOAD_INCOMPLETE (not a bid), 409 BID_DEADLINE_PASSED, 409 BID_SECURITY_MISSING (the lot’s security), 422 UPLOAD_HASH_MISMATCH; nothing is stored then. Repeating returns the same receipt.',
  })
  finalize(@UuidParam('id') id: string, @Param('uploadId', ParseUUIDPipe) uploadId: string, @CurrentActor() actor: Actor) {
    return this.finalizer.execute({ tenderId: id, uploadId, actor });
  }
}
