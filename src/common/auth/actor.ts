import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Role } from './role.enum';

/** Who is acting: taken from the verified token and the request, passed from controllers to services. */
export interface Actor {
  userId: string;
  role: Role;
  organizationId: string | null;
  ip: string;
  requestId?: string;
  /**
   * Set when a tendering agent's user (招标代理机构) acts on a tender of the procuring entity that authorised it: the
   * entity's organisation id. `organizationId` stays the agent's. Recorded with every audit event the act writes.
   */
  onBehalfOf?: string;
}

/** The platform itself (timed jobs, bank notifications). */
export const SYSTEM_ACTOR: Actor = Object.freeze({
  userId: 'system',
  role: 'SYSTEM' as Role,
  organizationId: null,
  ip: '127.0.0.1',
});

/** An unauthenticated caller on a public route. */
export const anonymousActor = (ip: string, requestId?: string): Actor => ({
  userId: 'anonymous',
  role: 'ANONYMOUS' as Role,
  organizationId: null,
  ip,
  requestId,
});

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest();
  return req.actor ?? anonymousActor(req.ip ?? '', req.requestId);
});

/** The actor when the route is public but a token may be present. */
export const OptionalActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor | null => ctx.switchToHttp().getRequest().actor ?? null);
