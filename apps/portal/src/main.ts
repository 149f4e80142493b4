import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { checkConfiguration, ConfigurationError, readEnv } from '@cpor/kernel';
import { portalService, startPortal } from './service.js';

// Like the services (exitOnInvalidConfiguration): one plain line per bad variable, then exit 1.
// The portal refuses to start without an identity provider (OIDC_ISSUER_URL).
try {
  checkConfiguration(portalService.configuration.map((schema) => () => readEnv(schema)));
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const app = await NestFactory.create<NestExpressApplication>(portalService.module, { bufferLogs: true });
await startPortal(app);
