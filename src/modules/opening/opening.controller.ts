import { Body, Controller, Get, HttpCode, Post, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor, OptionalActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { DecryptBidDto } from './dto/decrypt-bid.dto';
import { AnswerOpeningObjectionDto, RaiseOpeningObjectionDto } from './dto/opening-objection.dto';
import { OpeningObjectionsService } from './opening-objections.service';
import { OpeningHallService } from './opening-hall.service';
import { OpeningRecordService } from './opening-record.service';
import { DecryptBidUseCase } from './use-cases/decrypt-bid.use-case';

@ApiTags('opening (开标)')
@Controller('tenders/:id')
export class OpeningController {
  constructor(
    private readonly decrypt: DecryptBidUseCase,
    private readonly records: OpeningRecordService,
    private readonly hallView: OpeningHallService,
    private readonly objections: OpeningObjectionsService,
  ) {}

  @Post('opening-objections')
  @Roles(Role.BIDDER)
  @ApiOperation({
    summary: '开标异议: a bidder objects at the opening (TBR Art. 44): { text }',
    description:
      'A bidder whose bid was opened, while the opening is in progress (from the deadline until the decryption window closes); ' +
      'before or after: 409 OPENING_NOT_IN_PROGRESS; other bidders 403. The objection is recorded in the opening record. ' +
      '201 new; the same request again 200 with the same objection.',
  })
  async raiseObjection(@UuidParam('id') id: string, @Body() dto: RaiseOpeningObjectionDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, ...view } = await this.objections.raise(id, dto.text, actor);
    res.status(created ? 201 : 200);
    return view;
  }

  @Post('opening-objections/:objectionId/answer')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({
    summary: 'The procuring entity answers an objection on the spot (TBR Art. 44): { answer }',
    description: 'Only while the opening is in progress (409 OPENING_NOT_IN_PROGRESS after the window closed); 409 when answered differently already.',
  })
  answerObjection(@UuidParam('id') id: string, @UuidParam('objectionId') objectionId: string, @Body() dto: AnswerOpeningObjectionDto, @CurrentActor() actor: Actor) {
    return this.objections.answer(id, objectionId, dto.answer, actor);
  }

  @Get('opening-objections')
  @Roles(Role.BIDDER, Role.PROCURING_ENTITY, Role.SUPERVISOR)
  @ApiOperation({ summary: 'The objections raised at the opening, with their answers, for the opening’s participants: { items }' })
  listObjections(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.objections.list(id, actor);
  }

  @Post('bids/:bidId/decryption')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reveal the bid key during the decryption window (EB20 Art. 30): { price }',
    description:
      "The bid's own bidder only (another bid is 404). 422 KEY_COMMITMENT_MISMATCH when the key is not the committed one, " +
      '422 DECRYPTION_FAILED when it does not open the bid; 409 DECRYPTION_WINDOW_CLOSED outside the window.',
  })
  decryption(@UuidParam('id') id: string, @UuidParam('bidId') bidId: string, @Body() dto: DecryptBidDto, @CurrentActor() actor: Actor) {
    return this.decrypt.execute({ tenderId: id, bidId, keyBase64: dto.key, actor });
  }

  @Get('opening-hall')
  @Roles(Role.BIDDER, Role.PROCURING_ENTITY, Role.SUPERVISOR)
  @ApiOperation({
    summary: '开标大厅: the live state of the opening for its participants (bidders, status, prices at 唱标)',
    description:
      'From the opening at the deadline: { phase: DECRYPTING|ANNOUNCED, bids: [{ seq, bidId, bidderName, status, decryptedAt, ' +
      'price, mine }], summary, decryptionWindowEndsAt, windowClosedAt, serverTime }. For the bidders whose bids were ' +
      'opened, the procuring entity and supervisors (others 403 FORBIDDEN). Before the opening: 403 SEALED_UNTIL_OPENING ' +
      'to everyone. `price` is null until 唱标 (phase ANNOUNCED: the window has closed and the opening record is written), ' +
      "except on the caller's own decrypted bid. `serverTime` is the database clock, for countdowns. Poll it (the console " +
      'polls once a second) to follow the decryption live.',
  })
  hall(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.hallView.view(id, actor);
  }

  @Get('opening-record')
  @Public()
  @ApiOperation({
    summary: 'The opening record (开标记录): { bids: [{ bidId, bidderName, price, status, receivedAt }], ... }',
    description:
      'Public once the decryption window has closed (EB20 Art. 32), without a token: bidder names, prices, durations, statuses, ' +
      "receipt times and ciphertext hashes — never keys, IPs or devices. The opening's participants (bidders whose bids were " +
      "opened, the procuring entity, supervisors) also get each bid's attachment list. Before the window closes: 401 " +
      'UNAUTHENTICATED without a token, 403 SEALED_UNTIL_OPENING with one.',
  })
  record(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.records.get(id, actor);
  }

  @Get('opening-record.pdf')
  @Public()
  @ApiProduces('application/pdf')
  @ApiOperation({
    summary: 'The opening record as a PDF in Chinese; its SHA-256 in the X-Content-SHA256 header',
    description: 'Public once the decryption window has closed (EB20 Art. 32); before, 401 without a token and 403 SEALED_UNTIL_OPENING with one.',
  })
  async pdf(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const pdf = await this.records.pdfOf(id, actor);
    res.setHeader('X-Content-SHA256', pdf.sha256);
    return new StreamableFile(pdf.content, {
      type: 'application/pdf',
      disposition: `inline; filename="opening-record-${id}.pdf"`,
      length: pdf.content.length,
    });
  }
}
