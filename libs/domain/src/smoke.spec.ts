import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DateTime } from 'luxon';

@Injectable()
class Thing { hello() { return DateTime.fromISO('2026-01-01').year; } }

describe('toolchain', () => {
  it('runs nest DI under ESM', async () => {
    const m = await Test.createTestingModule({ providers: [Thing] }).compile();
    expect(m.get(Thing).hello()).toBe(2026);
  });
});
