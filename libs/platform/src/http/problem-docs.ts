import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, PROBLEMS } from './problem.js';

/** RFC 9457 problem details, as every service answers errors (see ./problem.ts and docs/errors.md). */
export class ProblemDto {
  @ApiProperty({ example: 'urn:cpor:problem:invalid-state', description: 'urn:cpor:problem:<code>' }) type: string;
  @ApiProperty({ example: "The claim's status does not allow this action" }) title: string;
  @ApiProperty({ example: 409 }) status: number;
  @ApiProperty({ example: 'Cannot edit a claim in status UnderReview (allowed in: Editing, Submitted, PartnerActionRequired)' }) detail: string;
  @ApiPropertyOptional({ example: '/v1/claims/0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e' }) instance?: string;
  @ApiProperty({ enum: Object.keys(PROBLEMS), example: 'invalid-state' }) code: string;
  @ApiPropertyOptional({ type: [String], description: 'Every problem of an invalid request, each naming its field' }) errors?: string[];
  @ApiPropertyOptional({ description: "The claim's status (invalid-state)", example: 'UnderReview' }) currentStatus?: string | null;
  @ApiPropertyOptional({ type: [String], description: 'Statuses in which the action is allowed (invalid-state)', example: ['Editing', 'Submitted', 'PartnerActionRequired'] }) allowedStates?: string[];
  @ApiPropertyOptional({ description: 'The refused action (invalid-state)', example: 'edit' }) action?: string;
  @ApiPropertyOptional({ description: 'A finer reason (invalid-state), e.g. poe-required, dispute-open' }) condition?: string;
  @ApiPropertyOptional({ description: "The claim's version (precondition-failed, version-conflict)" }) currentVersion?: number;
  @ApiPropertyOptional({ description: 'The version given in If-Match (precondition-failed)' }) expectedVersion?: number;
}

const codesOf = (status: number) => Object.entries(PROBLEMS).filter(([, problem]) => problem.status === status).map(([code]) => code);
const describe = (status: number) => `Problem details; code ${codesOf(status).join(' or ') || `http-${status}`} (docs/errors.md)`;

/** The error answers an operation can give, each as problem details. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: describe(status),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
