import 'reflect-metadata';
import { startTracing } from '@cpor/tracing';

// Tracing first (when OTEL_TRACES_EXPORTER asks for it): its hooks must be in place before
// anything imports http, kafkajs or mongodb, so the rest is imported after it.
await startTracing('consent');
const { launchService } = await import('@cpor/platform');
const { consentService } = await import('./service.js');
await launchService(consentService);
