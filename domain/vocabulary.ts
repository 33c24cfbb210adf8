/**
 * Redial's vocabulary: the enums and patterns every floor shares (API schemas, configuration,
 * strategies, the database), defined once.
 */

/** The industries Redial has playbooks for; `other` takes the defaults. */
export const INDUSTRIES = ['education', 'finance', 'ecommerce', 'local-services', 'other'] as const;
export type Industry = (typeof INDUSTRIES)[number];

/** Carrier line tiers, best first: a contact's tier picks the line, failover walks down. */
export const LINE_TIERS = ['premium', 'standard', 'backup'] as const;
export type LineTier = (typeof LINE_TIERS)[number];

/** A phone number in E.164 form: `+`, country code, subscriber number, 8 to 15 digits. */
export const E164 = /^\+[1-9]\d{6,14}$/;
export const E164_HINT = 'E.164, e.g. +14155550100';

/** Where an accepted event is: in the inbox, handed to its cadence, or refused for good at delivery. */
export const INBOX_STATES = ['queued', 'delivered', 'failed'] as const;
export type InboxState = (typeof INBOX_STATES)[number];

/** A Twilio Account SID. */
export const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
export const ACCOUNT_SID_HINT = 'a Twilio Account SID (AC + 32 hex)';

/** A carrier auth token: printable ASCII without spaces (Twilio's are 32 hex characters). */
export const AUTH_TOKEN = /^[\x21-\x7e]{8,200}$/;
export const AUTH_TOKEN_HINT = 'an auth token is 8–200 printable ASCII characters without spaces';

/** A business event type, e.g. `lead.created`. */
export const EVENT_TYPE = /^[a-z][a-z0-9_.-]{0,63}$/;
export const EVENT_TYPE_HINT = 'lower-case event type, e.g. "lead.created"';

/** Ids people choose (campaigns, lines): lower-case letters, digits and dashes. */
export const SLUG_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const SLUG_ID_HINT = 'lower-case letters, digits and dashes';

/** API key roles, least first: a route names the least role it needs. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The carrier simulator's accounts (sim/defaults.ts; test/hardening.test.ts checks they agree). Their
 * auth tokens are public, so a line on one of them must never serve a production database: anyone
 * could sign webhooks for it.
 */
export const SIMULATOR_ACCOUNT_SIDS: readonly string[] = [`AC${'1'.repeat(32)}`, `AC${'2'.repeat(32)}`, `AC${'3'.repeat(32)}`];
export const isSimulatorAccount = (accountSid: string) => SIMULATOR_ACCOUNT_SIDS.includes(accountSid);
