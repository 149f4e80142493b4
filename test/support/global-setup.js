// Brings up the real servers the integration and end-to-end tests need (reusing any already listening).
export default async function globalSetup() {
  // Services started by the tests log warnings and errors only (LOG_LEVEL=info or debug to see more).
  // Set here, before Jest starts its workers, so that every test file sees it.
  process.env.LOG_LEVEL ??= process.env.E2E_VERBOSE ? 'info' : 'warn';
  const infra = await import('../../scripts/infra.mjs');
  const endpoints = await infra.up({ quiet: true });
  // What up() answered (the local broker's SASL listeners, say), for the workers: test/support/infra-endpoints.ts.
  process.env.INFRA_ENDPOINTS = JSON.stringify(endpoints);
}
