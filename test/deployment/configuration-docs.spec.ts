import { readFileSync, writeFileSync } from 'node:fs';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { renderConfigTable, type ConfigSchema } from '@cpor/kernel';
import { configurationOf } from '@cpor/platform';
import { consentService } from '../../apps/consent/src/service.js';
import { eligibilityService } from '../../apps/eligibility/src/service.js';
import { intakeService } from '../../apps/intake/src/service.js';
import { notificationsService } from '../../apps/notifications/src/service.js';
import { portalService } from '../../apps/portal/src/service.js';
import { reviewService } from '../../apps/review/src/service.js';

// The configuration table of docs/operations.md is rendered from the schemas the services check at
// start (the chassis's and each service's own). To regenerate it: `UPDATE_DOCS=1 npm run test:unit`.
const DOC = new URL('../../docs/operations.md', import.meta.url);
const START = '<!-- config:start (generated from the configuration schemas: do not edit by hand) -->\n';
const END = '<!-- config:end -->';

const SERVICES = [intakeService, reviewService, consentService, eligibilityService, notificationsService];
// The portal's areas come last: the variables it shares with the services are the same declarations.
const areas: ConfigSchema[] = [...new Set([...SERVICES.flatMap((service) => configurationOf(service.options)), ...portalService.configuration])];

describe('docs/operations.md configuration table', () => {
  const expected = renderConfigTable(areas);

  it('is what the configuration schemas render (UPDATE_DOCS=1 regenerates it)', () => {
    const text = readFileSync(DOC, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect([start >= 0, end > start]).toEqual([true, true]);
    const current = text.slice(start + START.length, end);
    if (process.env.UPDATE_DOCS === '1' && current !== expected) writeFileSync(DOC, text.slice(0, start + START.length) + expected + text.slice(end));
    else expect(current).toBe(expected);
  });

  it('documents every variable docker-compose.yml passes to the services', () => {
    const compose = load(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as {
      services: Record<string, { environment?: Record<string, unknown> }>;
    };
    const documented = new Set(areas.flatMap((schema) => Object.keys(schema.shape)));
    const passed = new Set([...SERVICES.map((service) => service.options.service), 'portal'].flatMap((name) => Object.keys(compose.services[name].environment ?? {})));
    expect([...passed].filter((name) => !documented.has(name))).toEqual([]);
  });
});
