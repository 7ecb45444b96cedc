import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor, OptionalActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { UuidParam } from 'src/common/http/validation';
import { CancelTenderDto, CreateAmendmentDto } from './dto/amendment.dto';
import { CreateTenderDto } from './dto/create-tender.dto';
import { DocumentUploadDto } from './dto/document.dto';
import { AnswerObjectionDto, CreateObjectionDto } from './dto/objection.dto';
import { PublishTenderDto } from './dto/publish-tender.dto';
import { RetenderDto } from './dto/retender.dto';
import { TenderQueryDto } from './dto/tender-query.dto';
import { TenderDocumentsService } from './tender-documents.service';
import { TenderObjectionsService } from './tender-objections.service';
import { TendersService } from './tenders.service';
import { AmendTenderUseCase } from './use-cases/amend-tender.use-case';
import { CancelTenderUseCase } from './use-cases/cancel-tender.use-case';
import { PublishTenderUseCase } from './use-cases/publish-tender.use-case';
import { RetenderUseCase } from './use-cases/retender.use-case';

/** RFC 6266 / 5987: a UTF-8 file name (招标文件.pdf) with an ASCII fallback. */
const contentDisposition = (name: string) => `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

@ApiTags('tenders (招标项目)')
@Controller('tenders')
export class TendersController {
  constructor(
    private readonly tenders: TendersService,
    private readonly documents: TenderDocumentsService,
    private readonly objections: TenderObjectionsService,
    private readonly publishTender: PublishTenderUseCase,
    private readonly amendTender: AmendTenderUseCase,
    private readonly cancelTender: CancelTenderUseCase,
    private readonly retender: RetenderUseCase,
  ) {}

  @Post(':id/re-tender')
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({
    summary: '重新招标: a FAILED tender becomes a new DRAFT with the same terms and a new deadline: { bidDeadline, title? }',
    description:
      'The draft carries retenderOfId (the failed tender); documents are uploaded again and publication checks every rule again. ' +
      '201 with the draft; the same request again 200 with the same draft. 409 CONFLICT when the tender is not FAILED; ' +
      '400 VALIDATION_FAILED for a past deadline. The procuring entity or its authorised agent.',
  })
  async reTender(@UuidParam('id') id: string, @Body() dto: RetenderDto, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { created, tender } = await this.retender.execute({ tenderId: id, bidDeadline: dto.bidDeadline, title: dto.title, actor });
    res.status(created ? 201 : 200);
    return tender;
  }

  @Post()
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: 'Draft a tender (招标项目); caps, panel size and weights are checked (TBR Art. 26, MOF87 Arts. 47/55)' })
  create(@Body() dto: CreateTenderDto, @CurrentActor() actor: Actor) {
    return this.tenders.create(dto, actor);
  }

  @Post(':id/publish')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the draft: statutory periods checked (TBL Art. 24, TBR Art. 16), escrow key created, deadline planned' })
  publish(@UuidParam('id') id: string, @Body() dto: PublishTenderDto, @CurrentActor() actor: Actor) {
    return this.publishTender.execute({ tenderId: id, actor, note: dto?.note });
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Published tenders, paged { items, total }; no registration needed (EB20 Art. 9)' })
  list(@Query() q: TenderQueryDto, @OptionalActor() actor: Actor | null) {
    return this.tenders.list(q, actor);
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'One tender: public once published; a draft only to its procuring entity' })
  get(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.tenders.get(id, actor);
  }

  @Post(':id/documents')
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: 'Upload a file of the tender documents (a new version under the same name); drafts only — later, through an amendment' })
  upload(@UuidParam('id') id: string, @Body() dto: DocumentUploadDto, @CurrentActor() actor: Actor) {
    return this.documents.upload(id, dto, actor);
  }

  @Get(':id/documents')
  @Public()
  @ApiOperation({ summary: 'The tender documents, every version with its SHA-256' })
  listDocuments(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.documents.list(id, actor);
  }

  @Get(':id/documents/:documentId/content')
  @Public()
  @ApiOperation({ summary: 'Download a document: anyone, without registration (EB20 Art. 20); the download is recorded secretly' })
  async download(@UuidParam('id') id: string, @UuidParam('documentId') documentId: string, @OptionalActor() actor: Actor | null, @Req() req: Request) {
    const doc = await this.documents.download(id, documentId, actor, req.ip ?? '');
    req.res?.setHeader('X-Content-SHA256', doc.sha256);
    return new StreamableFile(doc.content, { type: doc.contentType, disposition: contentDisposition(doc.name), length: doc.content.length });
  }

  @Get(':id/document-downloads')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'Who obtained the documents: supervisors only, after the bid deadline (TBL Art. 22: secret before), audited' })
  downloads(@UuidParam('id') id: string, @Query() q: PageQueryDto, @CurrentActor() actor: Actor) {
    return this.documents.downloads(id, actor, q.page, q.pageSize);
  }

  @Post(':id/amendments')
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: '澄清/修改: < 15 days before the deadline it must move the deadline (TBR Art. 21; GPR Art. 31); downloaders notified' })
  amend(@UuidParam('id') id: string, @Body() dto: CreateAmendmentDto, @CurrentActor() actor: Actor) {
    return this.amendTender.execute({ tenderId: id, actor, dto });
  }

  @Get(':id/amendments')
  @Public()
  @ApiOperation({ summary: 'The amendments and clarifications, part of the tender documents (EB20 Art. 22)' })
  amendments(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.amendTender.list(id, actor);
  }

  @Post(':id/cancel')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: '终止招标 with a reason (TBR Art. 31): pending events cancelled, securities refunded' })
  cancel(@UuidParam('id') id: string, @Body() dto: CancelTenderDto, @CurrentActor() actor: Actor) {
    return this.cancelTender.execute({ tenderId: id, actor, reason: dto.reason });
  }

  @Post(':id/objections')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: '异议 to the documents, ≥ 10 days before the deadline (TBR Art. 22); the tender is suspended until answered' })
  object(@UuidParam('id') id: string, @Body() dto: CreateObjectionDto, @CurrentActor() actor: Actor) {
    return this.objections.file(id, dto.text, actor);
  }

  @Get(':id/objections')
  @Roles(Role.PROCURING_ENTITY, Role.BIDDER, Role.SUPERVISOR)
  @ApiOperation({
    summary: "Objections: the owner's (objector hidden), a bidder's own, or all (supervisors)",
    description:
      'Before the deadline of a tender that seals identities the objector is sealed to the tender’s identity key (issue 17): ' +
      'supervisors get `organizationId: null` and `objectorSealed: true` until the deadline; the objector sees its own.',
  })
  listObjections(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.objections.list(id, actor);
  }

  @Post(':id/objections/:objectionId/answer')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer an objection (within 3 days, TBR Art. 22); the last answer resumes the tender, moving its deadline' })
  answer(@UuidParam('id') id: string, @UuidParam('objectionId') objectionId: string, @Body() dto: AnswerObjectionDto, @CurrentActor() actor: Actor) {
    return this.objections.answer(id, objectionId, dto.answer, actor);
  }
}
