import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: { email: string; name?: string };
  subject: string;
  text: string;
  html: string;
  /** Deterministic per delivery (`<ref@cpor>`), so a receiver can drop a copy we had to resend. */
  messageId: string;
}

/** What the sender needs from a mail transport; tests swap in a fake. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
}

/** The one seam to nodemailer: nothing else in the service imports it. */
export class SmtpMailer implements MailSender {
  private readonly transport: Transporter;

  /** `connections`: SMTP connections kept open and reused (the sender sends that many at once). */
  constructor(
    private readonly smtp: SmtpSettings,
    connections = 1,
  ) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: connections,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      // Short timeouts: a dead server fails the attempt quickly, well inside the sender's lease.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: this.smtp.from,
      to: mail.to.name ? { name: mail.to.name, address: mail.to.email } : mail.to.email,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * An SMTP error as something safe to store and log: its code, response code and command, and
 * its message with anything that looks like an email address removed.
 */
export function describeMailError(error: unknown): string {
  // Duck-typed: errors from another realm (Node internals under a test VM) fail `instanceof Error`.
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return 'unknown error';
  const e = error as Error & { code?: unknown; responseCode?: unknown; command?: unknown };
  const parts = [
    typeof e.code === 'string' ? e.code : undefined,
    typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}` : undefined,
    typeof e.command === 'string' ? `on ${e.command.split(' ')[0]}` : undefined,
  ].filter(Boolean);
  const message = e.message.replace(/[^\s<>@"',;:()]+@[^\s<>@"',;:()]+/g, '<address>').slice(0, 200);
  return [parts.join(' '), message].filter(Boolean).join(': ');
}
