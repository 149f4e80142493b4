import { execFileSync } from 'node:child_process';

/**
 * The layer rules of eslint.config.js (docs/architecture.md) fail `npm run lint` when broken:
 * each source below breaks one rule and is linted as if it sat at its path.
 */
const lint = (sources: Record<string, string>): Record<string, string[]> =>
  JSON.parse(execFileSync(process.execPath, ['test/architecture/lint-sources.mjs'], { input: JSON.stringify(sources), encoding: 'utf8' }));

describe('layers that only point down, checked by npm run lint', () => {
  const results = lint({
    'libs/domain/src/breaks.ts': "import { KafkaPublisher } from '@cpor/messaging';\nexport const x = KafkaPublisher;\n",
    'libs/kernel/src/breaks.ts': "import { decide } from '@cpor/domain';\nexport const x = decide;\n",
    'libs/contracts/src/breaks.ts': "import { ClaimLedger } from '@cpor/persistence';\nexport const x = ClaimLedger;\n",
    'apps/intake/src/breaks-seam.ts': "import mongoose from 'mongoose';\nexport const x = mongoose;\n",
    'apps/notifications/src/breaks-seam.ts': "import nodemailer from 'nodemailer';\nexport const x = nodemailer;\n",
    'libs/persistence/src/breaks-seam.ts': "import { Kafka } from 'kafkajs';\nexport const x = Kafka;\n",
    'libs/messaging/src/breaks-seam.ts': "import { pino } from 'pino';\nexport const x = pino;\n",
    'apps/consent/src/breaks-seam.ts': "import { PinoLogger } from 'nestjs-pino';\nexport const x = PinoLogger;\n",
    'libs/messaging/src/breaks-seam-otel.ts': "import { trace } from '@opentelemetry/api';\nexport const x = trace;\n",
    'apps/intake/src/breaks-seam-otel.ts': "import { NodeSDK } from '@opentelemetry/sdk-node';\nexport const x = NodeSDK;\n",
    'libs/persistence/src/breaks-tracing.ts': "import { startTracing } from '@cpor/tracing';\nexport const x = startTracing;\n",
    'apps/review/src/breaks-index.ts': "import { decide } from '../../../libs/domain/src/decide.js';\nexport const x = decide;\n",
    'apps/review/src/breaks-apart.ts': "import { IntakeModule } from '../../intake/src/intake.module.js';\nexport const x = IntakeModule;\n",
    'apps/consent/src/follows-tracing.ts': "import { startTracing } from '@cpor/tracing';\nexport const x = startTracing;\n",
    'apps/portal/src/breaks-seam.ts': "import * as oidc from 'openid-client';\nexport const x = oidc;\n",
    'apps/review/src/breaks-portal-seam.ts': "import helmet from 'helmet';\nexport const x = helmet;\n",
    'tools/bench/breaks-seam.ts': "import { Provider } from 'oidc-provider';\nexport const x = Provider;\n",
    'apps/portal/src/web/csrf.ts': "import { doubleCsrf } from 'csrf-csrf';\nimport { Eta } from 'eta';\nexport const x = [doubleCsrf, Eta];\n",
    'apps/portal/src/auth/oidc-client.ts': "import * as oidc from 'openid-client';\nexport const x = oidc;\n",
    'apps/intake/src/follows.ts':
      "import { Injectable } from '@nestjs/common';\nimport { decide } from '@cpor/domain';\nimport { ClaimsService } from './claims/claims.service.js';\nexport const x = [Injectable, decide, ClaimsService];\n",
    'libs/persistence/src/follows.ts': "import mongoose from 'mongoose';\nimport { TOPICS } from '@cpor/contracts';\nimport { SystemClock } from '@cpor/kernel';\nexport const x = [mongoose, TOPICS, SystemClock];\n",
  });

  it.each([
    ['libs/domain/src/breaks.ts', 'from elements of type "domain" to elements of type "messaging"'],
    ['libs/kernel/src/breaks.ts', 'from elements of type "kernel" to elements of type "domain"'],
    ['libs/contracts/src/breaks.ts', 'from elements of type "contracts" to elements of type "persistence"'],
    ['apps/intake/src/breaks-seam.ts', 'only libs/persistence imports mongoose'],
    ['apps/notifications/src/breaks-seam.ts', 'only libs/mail imports nodemailer'],
    ['libs/persistence/src/breaks-seam.ts', 'only libs/messaging imports kafkajs'],
    ['libs/messaging/src/breaks-seam.ts', 'only libs/platform imports pino or pino-http or pino-pretty or nestjs-pino'],
    ['apps/consent/src/breaks-seam.ts', 'only libs/platform imports pino or pino-http or pino-pretty or nestjs-pino'],
    ['libs/messaging/src/breaks-seam-otel.ts', 'only libs/kernel imports @opentelemetry/api or @opentelemetry/core'],
    ['apps/intake/src/breaks-seam-otel.ts', 'only libs/tracing imports @opentelemetry/sdk-node'],
    ['libs/persistence/src/breaks-tracing.ts', 'from elements of type "persistence" to elements of type "tracing"'],
    ['apps/review/src/breaks-index.ts', 'through its index'],
    ['apps/review/src/breaks-apart.ts', 'name="review" to elements of type "app" and captured values: name="intake"'],
  ])('%s is refused (%s)', (path, expected) => {
    expect(results[path]).toEqual([expect.stringContaining(expected)]);
    expect(results[path]![0]).toMatch(/^boundaries\/dependencies: /);
  });

  it.each([
    ['apps/portal/src/breaks-seam.ts', 'only apps/portal/src/auth/oidc-client.ts imports openid-client'],
    ['apps/review/src/breaks-portal-seam.ts', 'only apps/portal/src/web/http-middleware.ts imports helmet'],
    ['tools/bench/breaks-seam.ts', 'only tools/dev-identity-provider/provider.ts imports oidc-provider'],
    ['apps/portal/src/web/csrf.ts', 'only apps/portal/src/web/views.ts imports eta'],
  ])("%s is refused: the portal's libraries each have one seam (%s)", (path, expected) => {
    expect(results[path]).toEqual([`no-restricted-imports: '${expected.split(' imports ')[1]}' import is restricted from being used. ${expected}`]);
  });

  it('imports that follow the layers pass', () => {
    expect(results['apps/intake/src/follows.ts']).toEqual([]);
    expect(results['libs/persistence/src/follows.ts']).toEqual([]);
    expect(results['apps/consent/src/follows-tracing.ts']).toEqual([]);
    expect(results['apps/portal/src/auth/oidc-client.ts']).toEqual([]);
  });
});
