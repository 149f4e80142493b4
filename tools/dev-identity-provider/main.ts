// The development identity provider, as `npm start` runs it (node dist/tools/dev-identity-provider/main.js).
// Refuses NODE_ENV=production. Its client is the portal, configured from the portal's own settings.
import { configSchema, exitOnInvalidSchemas, readEnv, setting } from '@cpor/kernel';
import { loadPortalSettings, portalSettingsSchema } from '../../apps/portal/src/portal.settings.js';
import { startDevIdentityProvider } from './provider.js';

const idpSchema = configSchema({
  DEV_IDENTITY_PROVIDER_PORT: setting.port({ description: 'port of the development identity provider', default: 3010 }),
});

if (process.env.NODE_ENV === 'production') {
  process.stderr.write('The development identity provider refuses to start with NODE_ENV=production: configure a real OpenID Connect provider for the portal (docs/portal.md)\n');
  process.exit(1);
}
exitOnInvalidSchemas([idpSchema, portalSettingsSchema]);
const portal = loadPortalSettings();
const idp = await startDevIdentityProvider({
  port: readEnv(idpSchema).DEV_IDENTITY_PROVIDER_PORT,
  clients: [
    {
      clientId: portal.oidc.clientId,
      clientSecret: portal.oidc.clientSecret,
      redirectUris: [portal.oidc.redirectUrl],
      postLogoutRedirectUris: [portal.oidc.postLogoutRedirectUrl],
    },
  ],
});
console.log(`development identity provider on ${idp.issuer} (JWKS ${idp.jwksUrl}); seeded users: README.md, password cpor-dev`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void idp.close().then(() => process.exit(0)));
