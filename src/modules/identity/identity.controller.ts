import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { ALL_ROLES, Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { AuthThrottle } from './auth-throttle';
import { CreateUserDto, DisableUserDto, ListUsersQueryDto, LoginDto, RegisterDto } from './dto/register.dto';
import { IdentityService } from './identity.service';

@ApiTags('accounts')
@Controller()
export class IdentityController {
  constructor(
    private readonly identity: IdentityService,
    private readonly throttle: AuthThrottle,
  ) {}

  @Post('auth/register')
  @Public()
  @ApiOperation({ summary: 'Register a bidder (投标人) or procuring entity (招标人) with its organisation; free of charge (EB20 Art. 9)' })
  register(@Body() dto: RegisterDto, @CurrentActor() actor: Actor) {
    this.throttle.assertRegistrationAllowed(actor.ip);
    return this.identity.register(dto, actor);
  }

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: { accessToken }' })
  login(@Body() dto: LoginDto, @CurrentActor() actor: Actor) {
    return this.identity.login(dto, actor.ip);
  }

  @Get('me')
  @Roles(...ALL_ROLES)
  me(@CurrentActor() actor: Actor) {
    return this.identity.me(actor);
  }

  @Post('admin/users')
  @Roles(Role.ADMIN)
  @ApiOperation({ summary: 'Create an expert, supervisor or administrator account' })
  createUser(@Body() dto: CreateUserDto, @CurrentActor() actor: Actor) {
    return this.identity.createUser(dto, actor);
  }

  @Get('admin/users')
  @Roles(Role.ADMIN)
  @ApiOperation({ summary: 'The accounts, newest first, filtered (role, q: part of the username or organisation name) and paged: { items, total }' })
  listUsers(@Query() q: ListUsersQueryDto) {
    return this.identity.listUsers(q);
  }

  @Post('admin/users/:id/disable')
  @Roles(Role.ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account: it loses access at once; idempotent; not one’s own (409 CONFLICT)' })
  disableUser(@UuidParam('id') id: string, @Body() dto: DisableUserDto, @CurrentActor() actor: Actor) {
    return this.identity.changeDisabled(id, true, actor, dto.reason);
  }

  @Post('admin/users/:id/enable')
  @Roles(Role.ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled account again; idempotent' })
  enableUser(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.identity.changeDisabled(id, false, actor, null);
  }
}
