/** Which carrier webhooks a line may still sign: the rule behind api/routes/twilio.ts's check. */

/** Twilio's longest call: callbacks of a call placed before its line closed arrive within it. */
export const CLOSED_LINE_CALL_GRACE_MS = 4 * 3600_000;
/** People answer a text days later; an opt-out reply to a closed line is still honoured for a while. */
export const CLOSED_LINE_SMS_GRACE_MS = 30 * 24 * 3600_000;

/**
 * A line that is active, failed over or closed by the daily routine (probed after its cool-down:
 * domain/line-service.ts) signs its webhooks. A closed line's token stops counting
 * once what was in flight when it closed has had time to arrive: call callbacks for 4 hours,
 * inbound SMS (which can only opt a number out) for 30 days. After that a request signed with
 * its token is refused, so a retired line's token opens nothing.
 */
export function lineSignsWebhooks(line: { state: string; closedBy?: string | null; stateChangedAt: Date }, kind: 'call' | 'sms', now: number): boolean {
  if (line.state !== 'closed' || line.closedBy === 'routine') return true;
  return now - line.stateChangedAt.getTime() <= (kind === 'call' ? CLOSED_LINE_CALL_GRACE_MS : CLOSED_LINE_SMS_GRACE_MS);
}

/**
 * How long a webhook's I-Twilio-Idempotency-Token is remembered: the carrier redelivers within
 * minutes; two days covers any retry and keeps the table small.
 */
export const WEBHOOK_TOKEN_RETENTION_MS = 2 * 24 * 3600_000;
