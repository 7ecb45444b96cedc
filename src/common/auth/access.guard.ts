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
  /** Informational only (clients may show it): the guard takes the role from the database. */
  role: Role;
  /** Informational only: the guard takes the organisation from the database. */
  org: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The global guard: verifies the bearer token, loads the actor and checks the route's roles. The token
 * identifies the user (`sub`); role and organisation come from the database on every request (briefly cached),
 * so a token whose claims were forged or went stale grants nothing the user does not have now.
 */
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
      const access = typeof payload.sub === 'string' && UUID.test(payload.sub) ? await this.users.access(payload.sub) : null;
      if (!access?.active) {
        throw new UnauthenticatedException('The account is disabled');
      }
      actor = { userId: payload.sub, role: access.role, organizationId: access.organizationId, ip: req.ip, requestId: req.requestId };
      req.actor = actor;
    }
    if (isPublic) return true;
    if (!roles || roles.length === 0) throw new ForbiddenException('This route is closed'); // deny by default
    if (!actor) throw new UnauthenticatedException();
    if (!roles.includes(actor.role)) throw new ForbiddenException(`This route is for ${roles.join(', ')}`);
    return true;
  }
}
