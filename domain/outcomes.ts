/** What a carrier's call status means for the cadence: terminal or not, and the outcome it records. */
import type { Outcome } from './cadence-state';

/** Call statuses after which nothing changes. */
export const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
/** Non-terminal call statuses in the order a call moves through them. */
export const CALL_PROGRESS = ['reserved', 'dialing', 'queued', 'initiated', 'ringing', 'in-progress'];

/** The cadence outcome of a terminal call, given what the script already recorded (opt-out, interest, not interested, a callback, a wrong number). */
export function outcomeOf(status: string, answeredBy: string | null | undefined, sip: number | null | undefined, recorded: string | null): Outcome {
  if (recorded === 'opted-out' || recorded === 'converted' || recorded === 'not-interested' || recorded === 'callback' || recorded === 'wrong-number') return recorded;
  switch (status) {
    case 'completed':
      return answeredBy?.startsWith('machine') || answeredBy === 'fax' ? 'machine' : 'answered';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'failed':
      if (sip === 404 || sip === 604) return 'invalid';
      // the callee's network did not put it through (phone off, out of coverage, intercepted):
      // the person was not reached, and it is not the carrier's fault (no failover, counts as a try)
      if (sip === 480) return 'no-answer';
      // SIP 5xx, timeouts, no answer at all: the carrier failed
      return 'carrier-failure';
    default:
      return 'carrier-failure';
  }
}

/** SMS statuses after which nothing changes (a later callback never moves them back). */
export const MESSAGE_TERMINAL = new Set(['delivered', 'undelivered', 'failed']);
/** Non-terminal SMS statuses in the order a text moves through them. */
export const MESSAGE_PROGRESS = ['reserved', 'dialing', 'accepted', 'queued', 'sending', 'sent'];

/** The attempt outcome of a terminal SMS status. */
export const messageOutcome = (status: string) => (status === 'delivered' ? 'sms-delivered' : 'sms-failed');
