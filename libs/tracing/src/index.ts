export * from './tracing-settings.js';
export * from './start-tracing.js';
