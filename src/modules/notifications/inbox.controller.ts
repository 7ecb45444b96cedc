import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { ALL_ROLES } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { InboxQueryDto, InboxService } from './inbox.service';

@ApiTags('inbox (站内信)')
@Controller('inbox')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @Roles(...ALL_ROLES)
  @ApiOperation({
    summary: 'The caller’s messages, newest first: { items: [{ id, topic, subject, body, tenderId, createdAt, readAt }], total, unread }',
    description:
      'Messages to the user and to its organisation: amendments and cancellations, objections and their answers, the opening and the ' +
      'decryption window, panel invitations, failures, award notices and results, refunds, suspensions. `?unread=true` for unread only.',
  })
  list(@Query() q: InboxQueryDto, @CurrentActor() actor: Actor) {
    return this.inbox.list(q, actor);
  }

  @Get('unread-count')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'How many messages are unread: { unread } (the console’s badge)' })
  unread(@CurrentActor() actor: Actor) {
    return this.inbox.unreadCount(actor);
  }

  @Post('read-all')
  @Roles(...ALL_ROLES)
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark every message read: { marked }' })
  readAll(@CurrentActor() actor: Actor) {
    return this.inbox.markAllRead(actor);
  }

  @Post(':id/read')
  @Roles(...ALL_ROLES)
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one message read: { id, readAt }; again: the same answer; another user’s message: 404' })
  read(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.inbox.markRead(id, actor);
  }
}
