/**
 * Texts through the carrier for a granted reservation, with a status callback that names the
 * attempt (api/routes/twilio.ts stores sent / delivered / failed on it); a carrier that says
 * "unsubscribed" puts the number on the DNC list.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { adoptMessage } from '../db/queries/sms';
import { attempts } from '../db/schema';
import type { Strategy } from '../domain/strategy';
import { sms as smsCount } from '../services/metrics';
import { carrierSaysUnsubscribed } from '../services/opt-out-safety';
import { CarrierFailure } from '../workflows/constants';
import type { PlaceResult, SmsActivities } from '../workflows/contracts';
import { chooseLine, lastLook, loadForCarrier, markCarrierFailure, refuseClosedWindow, refuseOptedOut } from './carrier-attempt';
import { TwilioCode, twilioErrorCode } from './carrier';
import type { CarrierDeps } from './dialling';

export function createSmsActivities(deps: CarrierDeps): SmsActivities {
  const { db, carrier } = deps;
  const lineFor = (a: { lineId: string | null }, tags: string[], strategy: Strategy) => chooseLine(deps, deps.failover, (m) => log.warn(m), a, tags, strategy);

  async function sendSms({ attemptId, text }: { attemptId: string; text?: string }): Promise<PlaceResult> {
    const { attempt, contact, strategy } = await loadForCarrier(db, attemptId);
    if (attempt.providerSid) return { providerSid: attempt.providerSid, lineId: attempt.lineId! };
    const body = text ?? strategy.sms?.text;
    if (!body) throw ApplicationFailure.nonRetryable('strategy has no SMS', 'BadAttempt');
    // the last look, as for a call: opted out since the grant, or the window closed meanwhile
    const look = await lastLook(db, contact, strategy);
    if (look?.optedOut) return refuseOptedOut(db, attemptId, 'text');
    if (look) return refuseClosedWindow(db, attempt, look);
    const line = await lineFor(attempt, contact.tags, strategy);
    await db.update(attempts).set({ status: 'dialing', lineId: line.id }).where(eq(attempts.id, attemptId));
    try {
      const statusCallback = `${deps.publicUrl.replace(/\/$/, '')}/twilio/sms/status/${attemptId}`;
      const msg = await carrier.client(line).messages.create({ to: contact.phone, from: line.fromNumber, body, statusCallback });
      // a status callback may already have bound the message and moved it on: keep what it wrote
      await adoptMessage(db, attemptId, msg.sid, msg.status ?? 'queued');
      smsCount.inc({ outcome: 'sent' });
      return { providerSid: msg.sid, lineId: line.id };
    } catch (err) {
      const code = twilioErrorCode(err);
      if (code === TwilioCode.unsubscribed || code === TwilioCode.invalidTo) {
        await db.update(attempts).set({ status: 'failed', outcome: code === TwilioCode.unsubscribed ? 'opted-out' : 'invalid', endedAt: new Date() }).where(eq(attempts.id, attemptId));
        smsCount.inc({ outcome: code === TwilioCode.unsubscribed ? 'opted-out' : 'invalid' });
        if (code === TwilioCode.unsubscribed) await carrierSaysUnsubscribed(deps, { tenant: contact.tenant, phone: contact.phone, attemptId, actor: 'carrier' });
        throw ApplicationFailure.nonRetryable(`carrier refused the SMS (${code})`, code === TwilioCode.unsubscribed ? CarrierFailure.unsubscribed : CarrierFailure.invalidNumber);
      }
      await markCarrierFailure(db, attemptId, err);
      smsCount.inc({ outcome: 'carrier-failure' });
      throw err;
    }
  }

  return { sendSms };
}
