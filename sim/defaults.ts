/**
 * The embedded carrier's accounts and lines: what `npm start` and the tests use when no real
 * Twilio line is configured. Three tiers so tag-based routing and failover have somewhere to go.
 */
export const simulatorLines = [
  { id: 'sim-premium', accountSid: `AC${'1'.repeat(32)}`, authToken: 'sim-token-premium', fromNumber: '+15005550101', tier: 'premium', cps: 50 },
  { id: 'sim-standard', accountSid: `AC${'2'.repeat(32)}`, authToken: 'sim-token-standard', fromNumber: '+15005550102', tier: 'standard', cps: 50 },
  { id: 'sim-backup', accountSid: `AC${'3'.repeat(32)}`, authToken: 'sim-token-backup', fromNumber: '+15005550103', tier: 'backup', cps: 50 },
] as const;

export const simulatorAccounts = simulatorLines.map((l) => ({ sid: l.accountSid, token: l.authToken }));
