import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type ChannelInterface, type Diagnostic } from '@asyncapi/parser';
import { ASSESSMENT_TYPE, EVENT_TYPES, REQUEST_REJECTED_TYPE, REQUEST_TYPES, SUBSCRIPTIONS } from '@cpor/contracts';
import { deadLetterTopic, TOPICS } from './topics.js';

// The AsyncAPI document is written by hand: the official parser validates it, and its parsed model
// (not its text) is compared with the code, so it cannot drift from the topics and types.

/** The record types the code publishes on each topic (see event-types.ts and who publishes what). */
const PUBLISHED: Record<string, readonly string[]> = {
  // Upstream systems publish the requests; intake handles every one of them (SUBSCRIPTIONS).
  [TOPICS.claimRequests]: Object.values(REQUEST_TYPES),
  // Intake's answer to a request it could not accept (apps/intake/src/requests/request-rejections.ts).
  [TOPICS.claimRequestsRejected]: [REQUEST_REJECTED_TYPE],
  // The claim ledger's outbox: one lifecycle event per change (libs/persistence claim-ledger).
  [TOPICS.claimEvents]: Object.values(EVENT_TYPES),
  // Eligibility's downstream record, through the same outbox (apps/eligibility).
  [TOPICS.claimEligibility]: [ASSESSMENT_TYPE],
};

const DEAD_LETTERS = deadLetterTopic('{topic}', '{group}');

const describeDiagnostics = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => `line ${d.range.start.line + 1} ${d.path.join('.')}: ${d.message} (${d.code})`);

const sorted = (values: Iterable<string>) => [...values].sort();

describe('docs/asyncapi.yaml', () => {
  let diagnostics: Diagnostic[];
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const text = readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8');
    const parsed = await new Parser().parse(text);
    diagnostics = parsed.diagnostics;
    if (!parsed.document) throw new Error(`@asyncapi/parser refused docs/asyncapi.yaml:\n${describeDiagnostics(diagnostics).join('\n')}`);
    document = parsed.document;
  });

  const channels = (): ChannelInterface[] => document.channels().all();
  const channelAt = (address: string): ChannelInterface => {
    const channel = channels().find((c) => c.address() === address);
    if (!channel) throw new Error(`no channel with address ${address}`);
    return channel;
  };

  it('is valid for @asyncapi/parser: no error, no warning', () => {
    expect(describeDiagnostics(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error))).toEqual([]);
    expect(describeDiagnostics(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning))).toEqual([]);
  });

  it('has one channel per topic of TOPICS, plus the dead-letter topics', () => {
    const addresses = channels().map((channel) => channel.address() ?? '');
    expect(sorted(addresses.filter((address) => address !== DEAD_LETTERS))).toEqual(sorted(Object.values(TOPICS)));
    expect(addresses.filter((address) => address === DEAD_LETTERS)).toHaveLength(1);
  });

  it("declares on each topic's channel exactly the types the code publishes there", () => {
    for (const topic of Object.values(TOPICS)) {
      const declared = channelAt(topic)
        .messages()
        .all()
        .map((message) => message.name() ?? `(message ${message.id()} has no name)`);
      expect({ topic, types: sorted(declared) }).toEqual({ topic, types: sorted(PUBLISHED[topic]) });
    }
  });

  it("gives each of those messages its type as the const of its ce_type header", () => {
    for (const topic of Object.values(TOPICS)) {
      for (const message of channelAt(topic).messages().all()) {
        const headers = message.headers();
        expect({ message: message.id(), ceType: headers?.properties()?.['ce_type']?.const() }).toEqual({ message: message.id(), ceType: message.name() });
        // The CloudEvents attributes every record carries (allOf the shared header schema).
        const shared = headers?.allOf()?.flatMap((schema) => schema.required() ?? []);
        expect(sorted(shared ?? [])).toEqual(sorted(['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_subject']));
      }
    }
  });

  it('documents every type a service subscribes to on the channel of its topic', () => {
    for (const byTopic of Object.values(SUBSCRIPTIONS)) {
      for (const [topic, types] of Object.entries(byTopic)) {
        const declared = channelAt(topic).messages().all().map((message) => message.name());
        expect({ topic, missing: (types as readonly string[]).filter((type) => !declared.includes(type)) }).toEqual({ topic, missing: [] });
      }
    }
  });

  it('names a dead-letter topic for each topic and group of SUBSCRIPTIONS', () => {
    const parameters = Object.fromEntries(
      channelAt(DEAD_LETTERS)
        .parameters()
        .all()
        .map((parameter) => [parameter.id(), sorted((parameter.schema()?.enum() ?? []) as string[])]),
    );
    const services = Object.keys(SUBSCRIPTIONS);
    const topics = new Set(Object.values(SUBSCRIPTIONS).flatMap((byTopic) => Object.keys(byTopic)));
    expect(parameters).toEqual({ topic: sorted(topics), group: sorted(services) });
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
