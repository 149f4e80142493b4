import { describe, expect, it } from '@jest/globals';
import { describeMailError } from './smtp-mailer.js';

describe('describeMailError', () => {
  it('keeps the code, SMTP response code and command, and hides addresses', () => {
    const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <ada@contoso.example>: unknown"), {
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO:<ada@contoso.example>',
    });
    const described = describeMailError(error);
    expect(described).toBe("EENVELOPE SMTP 550 on RCPT: Can't send mail - all recipients were rejected: 550 5.1.1 <<address>>: unknown");
    expect(described).not.toContain('@');
  });

  it('copes with non-errors', () => {
    expect(describeMailError('boom')).toBe('unknown error');
  });
});
