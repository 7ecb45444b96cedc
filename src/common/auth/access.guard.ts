import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { ForbiddenException, UnauthenticatedException } from '../errors/domain.exception';
import { PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { Actor } from './actor';
import { Role } from './role.enum';
import { UserStatusReader } from './user-status.reader';

export interface AccessTokenPayload {
  sub: string;
  role: Role;
  org: string | null;
}

/** The global guard: verifies the bearer token, loads the actor and checks the route's roles. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UserStatusReader,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const req = ctx.switchToHttp().getRequest();

    const header: string | undefined = req.headers['authorization'];
    let actor: Actor | null = null;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new UnauthenticatedException('The Authorization header must be "Bearer <token>"');
      let payload: AccessTokenPayload;
      try {
        payload = await this.jwt.verifyAsync<AccessTokenPayload>(m[1]);
      } catch {
        throw new UnauthenticatedException('The access token is invalid or expired');
      }
      if (!(await this.users.isActive(payload.sub))) {
        throw new UnauthenticatedException('The account is disabled');
      }
      actor = { userId: payload.sub, role: payload.role, organizationId: payload.org, ip: req.ip, requestId: req.requestId };
      req.actor = actor;
    }
    if (isPublic) return true;
    if (!roles || roles.length === 0) throw new ForbiddenException('This route is closed'); // deny by default
    if (!actor) throw new UnauthenticatedException();
    if (!roles.includes(actor.role)) throw new ForbiddenException(`This route is for ${roles.join(', ')}`);
    return true;
  }
}
