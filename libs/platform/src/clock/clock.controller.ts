import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { OPS_ROLE } from '@cpor/domain';
import { CLOCK, type Clock } from '@cpor/kernel';
import { CurrentPrincipal, RequireRoles, type Principal } from '../auth/principal.js';
import { ApiProblems } from '../http/problem-docs.js';
import { ControlledClock } from './controlled-clock.js';

export class MoveClockDto {
  @ApiPropertyOptional({ example: 'P7D', description: 'Move forward by this ISO 8601 duration' }) @IsOptional() @IsString() @MaxLength(40) by?: string;
  @ApiPropertyOptional({ example: '2026-12-24T09:00:00Z', description: 'Move forward to this instant' }) @IsOptional() @IsString() @MaxLength(40) to?: string;
}

export class BusinessClockDto {
  @ApiProperty({ format: 'date-time' }) now: string;
  @ApiProperty({ description: 'Business clock minus wall clock, in milliseconds' }) offsetMs: number;
}

/** The controlled business clock (CLOCK_CONTROL=on only): read it, move it forward. */
@ApiTags('ops')
@ApiBearerAuth()
@ApiProblems(401, 403)
@RequireRoles(OPS_ROLE)
@Controller('ops/clock')
export class ClockController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  private get controlled(): ControlledClock {
    if (!(this.clock instanceof ControlledClock)) throw new NotFoundException('The business clock is not controlled here (CLOCK_CONTROL=off)');
    return this.clock;
  }

  @Get()
  @ApiOperation({ operationId: 'getBusinessClock', summary: 'The business clock every service runs on' })
  @ApiOkResponse({ type: BusinessClockDto })
  @ApiProblems(404)
  show(): BusinessClockDto {
    const clock = this.controlled;
    return { now: clock.now().toISOString(), offsetMs: clock.offsetMs };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ operationId: 'moveBusinessClock', summary: 'Move the business clock of every service forward (never back)' })
  @ApiOkResponse({ type: BusinessClockDto })
  @ApiProblems(400, 404)
  async move(@CurrentPrincipal() principal: Principal, @Body() body: MoveClockDto): Promise<BusinessClockDto> {
    const planned = this.controlled.plan(body);
    if (!planned.ok) throw new BadRequestException([planned.problem]);
    await this.controlled.move(planned.offsetMs, principal.sub);
    return this.show();
  }
}
