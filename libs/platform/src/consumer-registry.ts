import { Injectable } from '@nestjs/common';
import type { ConsumerHealth } from '@cpor/messaging';

/** Consumers report here so readiness reflects whether this instance is really consuming. */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers: Array<{ name: string; health(): ConsumerHealth }> = [];

  add(name: string, consumer: { health(): ConsumerHealth }): void {
    this.consumers.push({ name, health: () => consumer.health() });
  }

  health(): Array<ConsumerHealth & { name: string }> {
    return this.consumers.map((consumer) => ({ name: consumer.name, ...consumer.health() }));
  }
}
