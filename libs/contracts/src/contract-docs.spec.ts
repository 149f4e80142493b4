import { readFileSync } from 'node:fs';
import { ASSESSMENT_TYPE, EVENT_TYPES, REQUEST_REJECTED_TYPE, REQUEST_TYPES, SUBSCRIPTIONS } from '@cpor/contracts';
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

describe('docs/topics.md', () => {
  it("lists SUBSCRIPTIONS as they are: each service's topics and the types it handles", () => {
    const topicsDoc = readFileSync(new URL('../../../docs/topics.md', import.meta.url), 'utf8');
    const table = topicsDoc.slice(topicsDoc.indexOf('<!-- subscriptions:start -->'), topicsDoc.indexOf('<!-- subscriptions:end -->'));
    const documented = table
      .split('\n')
      .filter((line) => /^\| `[a-z]+` \|/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()).filter(Boolean))
      .map(([service, topic, types]) => [service.replaceAll('`', ''), topic.replaceAll('`', ''), types.replaceAll('`', '').split(', ')]);
    const actual = Object.entries(SUBSCRIPTIONS).flatMap(([service, byTopic]) =>
      Object.entries(byTopic).map(([topic, types]) => [service, topic, [...(types as readonly string[])]]),
    );
    expect(documented).toEqual(actual);
  });
});
