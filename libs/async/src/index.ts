export * from './for-each-concurrently.js';
