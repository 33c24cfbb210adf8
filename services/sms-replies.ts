/**
 * Texts people send us, signed by the line they were sent to (api/routes/twilio.ts): an opt-out
 * word ends every channel; START / UNSTOP / YES lifts an opt-out given by SMS (never one given
 * another way), audited; anything else is recorded on the contact (the body sealed: it is personal
 * data and never logged), and with `sms.onReply: 'callback'` the contact's cadence calls back at
 * the first allowed instant. One row per MessageSid: a redelivery acts once.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { activeStrategy } from '../db/queries/campaigns';
import { contactByPhone } from '../db/queries/contacts';
import { insertSmsReply, lastTextedCampaign, liftSmsOptOut, optOutOf, smsReplyBySid } from '../db/queries/sms';
import { isOptOutReply, isResubscribeReply } from '../domain/opt-out-words';
import { signalSmsReply, workflowIdOf } from './cadences';
import { optOutBySms, SMS_REPLY_BODY } from './contacts';
import { sealText, type Keyring } from './keyring';

export type SmsReplyAction = 'opted-out' | 'resubscribed' | 'kept-opted-out' | 'recorded' | 'callback' | 'ignored';

export interface InboundSms {
  tenant: string;
  from: string;
  body: string;
  messageSid: string;
  /** The line it was sent to (the one whose signature it carried). */
  lineId: string;
}

export async function receiveSms(deps: { db: Db; temporal: Client; keyring: Keyring }, sms: InboundSms): Promise<SmsReplyAction> {
  const { db, temporal, keyring } = deps;
  const seen = sms.messageSid ? await smsReplyBySid(db, sms.messageSid) : null;
  if (seen) return seen.action as SmsReplyAction;
  const contact = await contactByPhone(db, sms.tenant, sms.from);
  const kind = isOptOutReply(sms.body) ? 'opt-out' : isResubscribeReply(sms.body) ? 'resubscribe' : 'reply';
  const campaignId = contact ? await lastTextedCampaign(db, contact.id) : null;
  let action: SmsReplyAction;
  if (kind === 'opt-out') {
    await optOutBySms(deps, { tenant: sms.tenant, phone: sms.from });
    action = 'opted-out';
  } else if (kind === 'resubscribe') {
    const { source, lifted } = await liftSmsOptOut(db, sms.tenant, sms.from);
    action = source && !lifted ? 'kept-opted-out' : 'resubscribed';
    if (source) {
      await audit(db, {
        actor: `sms:${sms.lineId}`,
        action: lifted ? 'dnc.resubscribe' : 'dnc.resubscribe-refused',
        target: contact?.id ?? 'unknown-contact',
        before: { dnc: true, source },
        after: { dnc: !lifted },
      });
    }
  } else {
    action = 'recorded';
    const dnc = contact ? await optOutOf(db, sms.tenant, sms.from) : null;
    const strategy = campaignId ? (await activeStrategy(db, campaignId))?.strategy : undefined;
    if (contact && !contact.deletedAt && campaignId && !dnc && contact.status === 'active' && strategy?.sms?.onReply === 'callback') {
      await signalSmsReply(temporal, workflowIdOf(keyring, contact), { campaignId, at: Date.now() });
      action = 'callback';
    }
  }
  // a text from a number we never had is acted on (an opt-out is kept) but has no contact to go on
  if (!contact) return kind === 'reply' ? 'ignored' : action;
  if (sms.messageSid) {
    await insertSmsReply(db, { tenant: sms.tenant, contactId: contact.id, campaignId, lineId: sms.lineId, providerSid: sms.messageSid, body: sealText(keyring, sms.body, SMS_REPLY_BODY), kind, action });
  }
  return action;
}
