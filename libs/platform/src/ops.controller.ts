import { Controller, Get, Header, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { type StoreConnection, pingMongo } from '@cpor/persistence';
import { register } from 'prom-client';
import { Public } from './auth/principal.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { MONGO_CONNECTION } from './tokens.js';

/** Liveness, readiness (store reachable and Kafka consumer alive) and Prometheus metrics. */
@ApiExcludeController()
@Public()
@Controller()
export class OpsController {
  constructor(
    @Inject(MONGO_CONNECTION) private readonly connection: StoreConnection,
    private readonly consumers: ConsumerRegistry,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready() {
    const mongo = await pingMongo(this.connection);
    const consumers = this.consumers.health();
    const consumerOk = consumers.every((consumer) => consumer.running && !consumer.crashed);
    const body = { status: mongo && consumerOk ? 'ok' : 'unavailable', mongo: mongo ? 'up' : 'down', consumers };
    if (body.status !== 'ok') throw new ServiceUnavailableException(body);
    return body;
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  async metrics(@Res({ passthrough: true }) _response: unknown) {
    return register.metrics();
  }
}
