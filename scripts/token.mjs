#!/usr/bin/env node
// Mints a development bearer token (HS256 with JWT_SECRET or the local default secret).
//   npm run token -- --role incentives-admin --partner 1234567 [--sub alice] [--expires 8h]
//   npm run token -- --role poe-reviewer --sub reviewer-1
import { SignJWT } from 'jose';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
};
const roles = args.flatMap((arg, i) => (arg === '--role' && args[i + 1] ? args[i + 1].split(',') : []));
if (roles.length === 0) {
  console.error('usage: npm run token -- --role <role>[,<role>] [--partner <partnerId>] [--sub <user>] [--expires 8h]');
  console.error('roles: billing-admin, global-admin, incentives-admin (with --partner), poe-reviewer, cpor-ops');
  process.exit(2);
}
const secret = process.env.JWT_SECRET ?? 'cpor-local-development-secret-change-me';
const partnerId = option('partner');
const token = await new SignJWT({ roles, ...(partnerId ? { partnerId } : {}) })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(option('sub', partnerId ? `partner-user-${partnerId}` : 'reviewer'))
  .setIssuedAt()
  .setExpirationTime(option('expires', '8h'))
  .sign(new TextEncoder().encode(secret));
console.log(token);
