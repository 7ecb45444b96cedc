import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { RequestBidValidityExtensionDto, RespondBidValidityExtensionDto } from './bid-validity.dto';
import { BidValidityExtensionsService } from './bid-validity-extensions.service';

@ApiTags('sealed bids (电子投标文件)')
@Controller('tenders/:id/bid-validity-extensions')
export class BidValidityController {
  constructor(private readonly service: BidValidityExtensionsService) {}

  @Post()
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({
    summary: '投标有效期延长: the owner asks every bidder with an opened bid to extend the bid validity period (TBR Art. 25) → 201 the request',
    description:
      'After the opening and before the contract (409 BID_VALIDITY_NOT_EXTENDABLE), while the current period runs (through 24:00 CST of its last day; ' +
      'after it 409 BID_VALIDITY_EXPIRED). extendTo after the current last day; respondBy by the end of the current period. One open request at a time ' +
      '(409 CONFLICT); the same request again returns it.',
  })
  request(@UuidParam('id') tenderId: string, @Body() dto: RequestBidValidityExtensionDto, @CurrentActor() actor: Actor) {
    return this.service.request(tenderId, dto, actor);
  }

  @Get()
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.ADMIN, Role.BIDDER)
  @ApiOperation({ summary: 'The extension requests with the answers (a bidder sees its own answer only)' })
  list(@UuidParam('id') tenderId: string, @CurrentActor() actor: Actor) {
    return this.service.list(tenderId, actor);
  }

  @Post(':extensionId/response')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A bidder accepts or refuses the extension (TBR Art. 25): REFUSE → the bid LAPSES and its security is returned; ACCEPT needs a security running to the new day (TBR Art. 26)',
    description:
      '409 EXTENSION_RESPONSE_CLOSED after respondBy; 409 GUARANTEE_VALIDITY_INSUFFICIENT when the guarantee ends earlier; an answer cannot be changed (409 CONFLICT), the same answer again returns it.',
  })
  respond(@UuidParam('id') tenderId: string, @UuidParam('extensionId') extensionId: string, @Body() dto: RespondBidValidityExtensionDto, @CurrentActor() actor: Actor) {
    return this.service.respond(tenderId, extensionId, dto, actor);
  }
}
