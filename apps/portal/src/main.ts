import 'reflect-metadata';
import { startTracing } from '@cpor/tracing';

// Tracing first, as in the services: a page's calls to intake and review then start the trace
// that follows the claim (its hooks must be in place before anything imports http).
await startTracing('portal');
const { NestFactory } = await import('@nestjs/core');
const { exitOnInvalidSchemas } = await import('@cpor/kernel');
const { portalService, startPortal } = await import('./service.js');

// Like the services (exitOnInvalidConfiguration): one plain line per bad variable, then exit 1.
// The portal refuses to start without an identity provider (OIDC_ISSUER_URL).
exitOnInvalidSchemas(portalService.configuration);
const app = await NestFactory.create<import('@nestjs/platform-express').NestExpressApplication>(portalService.module, { bufferLogs: true });
await startPortal(app);
