import { startDevIdentityProvider } from './provider.js';

describe('the development identity provider', () => {
  it('refuses to start with NODE_ENV=production', async () => {
    await expect(startDevIdentityProvider({ port: 0, clients: [], env: { NODE_ENV: 'production' } })).rejects.toThrow(
      'The development identity provider refuses to start with NODE_ENV=production',
    );
  });
});
