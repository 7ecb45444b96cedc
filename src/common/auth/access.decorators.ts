import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { type Role } from './role.enum';

export const ROLES_KEY = 'access:roles';
export const PUBLIC_KEY = 'access:public';

/** Deny by default: every route names who may call it, with @Roles(...) or @Public(). */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiBearerAuth());

/** Anyone, without a token (a token, when sent, is still verified and its actor made available). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
