import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatedNotificationDocs, withGeneratedSection } from './notification-docs.js';

const docPath = path.resolve(process.cwd(), 'docs/notifications.md');
const templatesDir = path.resolve(process.cwd(), 'apps/notifications/templates');

describe('docs/notifications.md', () => {
  it('shows what the templates and the plan produce today (UPDATE_DOCS=1 regenerates it)', () => {
    const current = readFileSync(docPath, 'utf8');
    const expected = withGeneratedSection(current, generatedNotificationDocs(templatesDir));
    if (process.env.UPDATE_DOCS === '1' && expected !== current) writeFileSync(docPath, expected);
    else expect(current).toBe(expected);
  });
});
