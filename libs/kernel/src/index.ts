export * from './clock.js';
export * from './errors.js';
export * from './for-each-concurrently.js';
export * from './polling-loop.js';
export * from './json-depth.js';
export * from './configuration.js';
export * from './request-context.js';
