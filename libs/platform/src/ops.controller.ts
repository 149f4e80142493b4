import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { type StoreConnection, pingMongo } from '@cpor/persistence';
import { register } from 'prom-client';
import { Public } from './auth/principal.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { MONGO_CONNECTION } from './tokens.js';

/**
 * Liveness, readiness and Prometheus metrics. Ready (200) means the store answers a ping and every
 * Kafka consumer of the process is consuming: joined, not crashed, and heard from (a fetch or a
 * heartbeat) within its session timeout. Otherwise 503, with what is down (@nestjs/terminus).
 */
@ApiExcludeController()
@Public()
@Controller()
export class OpsController {
  constructor(
    @Inject(MONGO_CONNECTION) private readonly connection: StoreConnection,
    private readonly consumers: ConsumerRegistry,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const store = this.indicators.check('store');
        return (await pingMongo(this.connection)) ? store.up() : store.down({ message: 'the store does not answer a ping' });
      },
      () => {
        const kafka = this.indicators.check('kafka');
        const consumers = this.consumers.health();
        return consumers.every((consumer) => consumer.consuming) ? kafka.up({ consumers }) : kafka.down({ consumers });
      },
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  async metrics(@Res({ passthrough: true }) _response: unknown) {
    return register.metrics();
  }
}
