// Brings up the real servers the integration and end-to-end tests need (reusing any already listening).
export default async function globalSetup() {
  const infra = await import('../../scripts/infra.mjs');
  await infra.up({ quiet: true });
}
