import { readFileSync } from 'node:fs';
import { ASSESSMENT_TYPE, EVENT_TYPES, REQUEST_REJECTED_TYPE, REQUEST_TYPES } from '@cpor/contracts';
import { TOPICS } from './topics.js';

// The AsyncAPI document is written by hand: this keeps it from drifting from the code.
const asyncapi = readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8');

describe('docs/asyncapi.yaml', () => {
  it('names every topic', () => {
    for (const topic of Object.values(TOPICS)) expect(asyncapi).toContain(`address: ${topic}`);
  });

  it('names every request type, the rejection and the assessment', () => {
    for (const type of [...Object.values(REQUEST_TYPES), REQUEST_REJECTED_TYPE, ASSESSMENT_TYPE]) expect(asyncapi).toContain(`name: ${type}`);
  });

  it('lists every lifecycle event type', () => {
    for (const type of Object.values(EVENT_TYPES)) expect(asyncapi).toContain(`- ${type}\n`);
  });
});
