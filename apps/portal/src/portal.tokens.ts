/** DI token of the portal's settings (portal.settings.ts). */
export const PORTAL_SETTINGS = Symbol('PORTAL_SETTINGS');
