import { PARTNER_ROLES, REVIEWER_ROLE } from '@cpor/domain';

/** A person who can sign in at the development identity provider. */
export interface DevUser {
  /** The token's `sub`. */
  sub: string;
  /** What is typed into the sign-in form. */
  email: string;
  name: string;
  roles: string[];
  /** The partner organisation, for partner users. */
  partnerId?: string;
  organisation?: string;
}

/** Every seeded user signs in with this password (README.md, docs/portal.md). */
export const DEV_PASSWORD = 'cpor-dev';

export const CONTOSO = { partnerId: '1111111', organisation: 'Contoso Consulting' };
export const FABRIKAM = { partnerId: '2222222', organisation: 'Fabrikam Solutions' };

const [BILLING, GLOBAL, INCENTIVES] = PARTNER_ROLES;

/**
 * The seeded users: an admin per partner role in each of two partner organisations, a partner
 * user with no partner role, and two PoE reviewers. Addresses use the reserved
 * `.example` domain.
 */
export const DEV_USERS: readonly DevUser[] = [
  { sub: 'contoso-billing', email: 'billing@contoso.example', name: 'Bianca Billing (Contoso)', roles: [BILLING], ...CONTOSO },
  { sub: 'contoso-global', email: 'global@contoso.example', name: 'Gustav Global (Contoso)', roles: [GLOBAL], ...CONTOSO },
  { sub: 'contoso-incentives', email: 'incentives@contoso.example', name: 'Ines Incentives (Contoso)', roles: [INCENTIVES], ...CONTOSO },
  { sub: 'contoso-staff', email: 'staff@contoso.example', name: 'Sam Staff (Contoso, no partner role)', roles: [], ...CONTOSO },
  { sub: 'fabrikam-billing', email: 'billing@fabrikam.example', name: 'Fabian Billing (Fabrikam)', roles: [BILLING], ...FABRIKAM },
  { sub: 'fabrikam-global', email: 'global@fabrikam.example', name: 'Greta Global (Fabrikam)', roles: [GLOBAL], ...FABRIKAM },
  { sub: 'fabrikam-incentives', email: 'incentives@fabrikam.example', name: 'Ivo Incentives (Fabrikam)', roles: [INCENTIVES], ...FABRIKAM },
  { sub: 'reviewer-rita', email: 'rita@reviewers.example', name: 'Rita Reviewer', roles: [REVIEWER_ROLE] },
  { sub: 'reviewer-ravi', email: 'ravi@reviewers.example', name: 'Ravi Reviewer', roles: [REVIEWER_ROLE] },
];

export function findDevUser(emailOrSub: string): DevUser | undefined {
  const key = emailOrSub.trim().toLowerCase();
  return DEV_USERS.find((user) => user.email === key || user.sub === key);
}
