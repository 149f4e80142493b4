import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { OidcClient } from './auth/oidc-client.js';
import { Public } from './web/access.js';

/** Liveness, and readiness: the identity provider's discovery document can be read (nobody can sign in otherwise). */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly oidc: OidcClient) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  async ready() {
    try {
      await this.oidc.discovered();
    } catch {
      throw new ServiceUnavailableException('the identity provider cannot be reached');
    }
    return { status: 'ok' };
  }
}
