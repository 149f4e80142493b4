import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

/** The authenticated caller, from the bearer JWT (`sub`, `partnerId`, `roles`). */
export interface Principal {
  sub: string;
  partnerId?: string;
  /** The partner organisation's display name, when the token carries `partnerName` (shown to customers; never used to authorise). */
  partnerName?: string;
  roles: string[];
}

export const PUBLIC_ROUTE = 'cpor:public';
export const REQUIRED_ROLES = 'cpor:roles';

/** The route needs no bearer token (health, metrics, docs, the customer's signed link). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The caller needs at least one of these roles. */
export const RequireRoles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
