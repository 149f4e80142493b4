import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_ROLES, type Principal } from './principal.js';
import { InvalidTokenError, TokenVerifier } from './token-verifier.js';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('A bearer token is required');
    try {
      request.principal = await this.verifier.verify(match[1]);
    } catch (error) {
      throw new UnauthorizedException(error instanceof InvalidTokenError ? error.message : 'invalid token');
    }
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !required.some((role) => request.principal!.roles.includes(role))) {
      throw new ForbiddenException(`This action needs one of the roles: ${required.join(', ')}`);
    }
    return true;
  }
}
