import type { ClaimAction } from '../commands.js';
import type { CommandDefinition } from './command-definition.js';
import { create } from './create/create.command.js';
import { edit } from './edit/edit.command.js';
import { addPoe } from './add-poe/add-poe.command.js';
import { submit } from './submit/submit.command.js';
import { comment } from './comment/comment.command.js';
import { withdraw } from './withdraw/withdraw.command.js';
import { dispute } from './dispute/dispute.command.js';
import { startReview } from './start-review/start-review.command.js';
import { requestInfo } from './request-info/request-info.command.js';
import { approve } from './approve/approve.command.js';
import { reject } from './reject/reject.command.js';
import { decideDispute } from './decide-dispute/decide-dispute.command.js';
import { expirePartnerResponse } from './expire-partner-response/expire-partner-response.command.js';
import { recordSlaBreach } from './record-sla-breach/record-sla-breach.command.js';
import { requestConsent } from './request-consent/request-consent.command.js';
import { declineConsent } from './decline-consent/decline-consent.command.js';
import { elapseConsent } from './elapse-consent/elapse-consent.command.js';
import { recordEligibility } from './record-eligibility/record-eligibility.command.js';

/** Every domain command, in lifecycle order (the order of the transition table and the docs generated from it). */
export const COMMANDS: { readonly [A in ClaimAction]: CommandDefinition<A> } = {
  create,
  edit,
  addPoe,
  submit,
  comment,
  withdraw,
  dispute,
  startReview,
  requestInfo,
  approve,
  reject,
  decideDispute,
  expirePartnerResponse,
  recordSlaBreach,
  requestConsent,
  declineConsent,
  elapseConsent,
  recordEligibility,
};
