import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { ALL_ROLES, Role } from 'src/common/auth/role.enum';
import { CreateUserDto, LoginDto, RegisterDto } from './dto/register.dto';
import { AuthThrottle } from './auth-throttle';
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
}
