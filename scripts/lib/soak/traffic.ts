/**
 * The soak's customers and what was asked of the API about them: people across time zones (some
 * at local night, who must wait), in one or two campaigns with different daily caps, some opted
 * out mid-run; every POST /v1/events with the API's answer read as given (202 accepted, any other
 * answer or a refused connection = not accepted, no answer in time = unknown).
 */
import { randomUUID } from 'node:crypto';
import { localParts } from '../../../domain/local-time';
import { refusalAt } from '../../../domain/next-attempt';
import { defaultStrategy } from '../../../domain/strategy';

/** The soak's campaigns: both redial after a minute, with different daily caps per person. */
export const CAMPAIGNS = {
  'soak-a': { maxCallsPerDay: 2, redialDelaysMinutes: [1], maxAttempts: 4, jitterSeconds: 10 },
  'soak-b': { maxCallsPerDay: 1, redialDelaysMinutes: [1], maxAttempts: 2, jitterSeconds: 10 },
} as const;
export type CampaignId = keyof typeof CAMPAIGNS;
/** The most calls a day any campaign allows one person (the per-person cap across campaigns). */
export const MAX_DAILY_CAP = Math.max(...Object.values(CAMPAIGNS).map((c) => c.maxCallsPerDay));

/** Real and fixed-offset zones; the soak uses those that stay day (or night) for the whole run. */
const ZONES = [
  'Asia/Shanghai', 'Asia/Tokyo', 'Asia/Kolkata', 'Asia/Dubai', 'Europe/London', 'Europe/Berlin', 'Africa/Lagos', 'Africa/Johannesburg',
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Sao_Paulo', 'Pacific/Honolulu', 'Australia/Sydney', 'Pacific/Auckland',
  ...Array.from({ length: 27 }, (_, i) => i - 12).map((off) => (off === 0 ? 'Etc/UTC' : `Etc/GMT${off > 0 ? '-' : '+'}${Math.abs(off)}`)),
];

/** Whether a call to someone in `zone` is allowed (day) at `t` by the default quiet hours. */
export const isDaytime = (zone: string, t: number) => refusalAt(t, zone, defaultStrategy, {}) === null;

/** Zones where every minute of [from, to] is day, and where every minute is night. */
export function zonesFor(from: number, to: number): { day: string[]; night: string[] } {
  const day: string[] = [];
  const night: string[] = [];
  for (const z of ZONES) {
    const marks: boolean[] = [];
    for (let t = from; t <= to + 60_000; t += 60_000) marks.push(isDaytime(z, t));
    if (marks.every(Boolean)) day.push(z);
    else if (marks.every((m) => !m)) night.push(z);
  }
  return { day, night };
}

/** The simulator answers by a number's last digit: 1 busy, 2 no answer, 3 machine, 4 presses 0 (opts out), 5 speaks, 6 presses 1, 7 listens. */
const BEHAVIOURS: Array<[digit: number, weight: number]> = [
  [7, 30],
  [6, 10],
  [2, 20],
  [1, 15],
  [3, 10],
  [4, 10],
  [5, 5],
];

export interface Person {
  phone: string;
  zone: string;
  night: boolean;
  probe: boolean;
  contactId?: string;
  campaigns: CampaignId[];
  optOutRequestedAt?: number;
  /** When the API acknowledged the opt-out (200): no call may start after this. */
  optOutAckAt?: number;
}

export interface SentEvent {
  id: string;
  phone: string;
  campaignId: CampaignId;
  postedAt: number;
  answeredAt: number;
  /** accepted: 202; refused: any other answer or no connection; unanswered: no answer in time (it may or may not have been taken). */
  result: 'accepted' | 'refused' | 'unanswered';
  status: number | null;
  /** The last fault injected before it was posted ('none' before the first). */
  fault: string;
  probe: boolean;
}

/** A masked number for logs: +1415****0127. */
export const mask = (e164: string) => `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}`;

export function createTraffic(opts: { apiUrl: string; adminKey: string; zones: { day: string[]; night: string[] }; log: (m: string) => void }) {
  const people = new Map<string, Person>();
  const events: SentEvent[] = [];
  const optOuts: Array<{ phone: string; requestedAt: number; ackAt: number | null; status: number | null }> = [];
  const inflight = new Set<Promise<unknown>>();
  let serial = 0;
  let fault = 'none';
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const digit = () => {
    let r = Math.random() * BEHAVIOURS.reduce((n, [, w]) => n + w, 0);
    for (const [d, w] of BEHAVIOURS) if ((r -= w) < 0) return d;
    return 7;
  };
  const headers = { authorization: `Bearer ${opts.adminKey}`, 'content-type': 'application/json' };

  function newPerson(o: { night?: boolean; digit?: number; probe?: boolean } = {}): Person {
    const i = serial++;
    const d = o.digit ?? digit();
    // distinct valid North American numbers; the last digit picks the callee's behaviour
    const phone = `+1415${200 + Math.floor(i / 1000)}${String((i % 1000) * 10 + d).padStart(4, '0')}`;
    const night = (o.night ?? false) && opts.zones.night.length > 0;
    const p: Person = { phone, zone: pick(night ? opts.zones.night : opts.zones.day), night, probe: o.probe ?? false, campaigns: [] };
    people.set(phone, p);
    return p;
  }

  /** POST /v1/events for a person and campaign; the answer is recorded as it came. */
  async function post(p: Person, campaignId: CampaignId, probe = false): Promise<SentEvent> {
    p.campaigns.push(campaignId);
    const e: SentEvent = { id: randomUUID(), phone: p.phone, campaignId, postedAt: Date.now(), answeredAt: 0, result: 'refused', status: null, fault, probe };
    events.push(e);
    try {
      const res = await fetch(`${opts.apiUrl}/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: e.id, type: 'lead.created', phone: p.phone, campaignId, contact: { timeZone: p.zone } }),
        signal: AbortSignal.timeout(15_000),
      });
      e.status = res.status;
      e.result = res.status === 202 ? 'accepted' : 'refused';
      const body = (await res.json().catch(() => null)) as { contactId?: string } | null;
      if (res.status === 202 && body?.contactId) p.contactId = body.contactId;
    } catch (err) {
      // no connection at all: refused; a request sent and not answered: unknown
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      e.result = cause === 'ECONNREFUSED' ? 'refused' : 'unanswered';
    }
    e.answeredAt = Date.now();
    return e;
  }

  async function optOut(p: Person) {
    const rec = { phone: p.phone, requestedAt: Date.now(), ackAt: null as number | null, status: null as number | null };
    optOuts.push(rec);
    p.optOutRequestedAt ??= rec.requestedAt;
    try {
      const res = await fetch(`${opts.apiUrl}/v1/contacts/${p.contactId}/opt-out`, { method: 'POST', headers, signal: AbortSignal.timeout(15_000) });
      rec.status = res.status;
      await res.body?.cancel();
      if (res.ok) {
        rec.ackAt = Date.now();
        p.optOutAckAt ??= rec.ackAt;
      }
    } catch {
      /* not acknowledged: nothing is promised */
    }
  }

  const launch = (work: Promise<unknown>) => {
    inflight.add(work);
    void work.finally(() => inflight.delete(work));
  };

  /** One step of the steady stream: mostly new people, some second campaigns, a few opt-outs. */
  function step() {
    const r = Math.random();
    const known = [...people.values()].filter((p) => !p.probe && p.contactId && p.optOutRequestedAt === undefined);
    if (r < 0.05 && known.length) return launch(optOut(pick(known)));
    if (r < 0.2) {
      const single = known.filter((p) => p.campaigns.length === 1);
      if (single.length) {
        const p = pick(single);
        return launch(post(p, p.campaigns[0] === 'soak-a' ? 'soak-b' : 'soak-a'));
      }
    }
    const p = newPerson({ night: Math.random() < 0.25 });
    launch(post(p, Math.random() < 0.6 ? 'soak-a' : 'soak-b'));
  }

  return {
    people,
    events,
    optOuts,
    setFault: (name: string) => (fault = name),
    /** The steady stream at `rate` events/s until `until()` (or the signal aborts). */
    async drive(rate: number, until: () => number, signal?: AbortSignal) {
      const t0 = Date.now();
      for (let n = 0; Date.now() < until() && !signal?.aborted; n++) {
        const due = t0 + (n * 1000) / rate;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        // a stalled API must not pile up thousands of open requests: shed, as a CRM's queue would
        if (inflight.size < 64) step();
      }
    },
    /**
     * Fresh probe events (a daytime person who listens, one a second) from now until one of them
     * is dialled; resolves with when that happened, or null after `timeoutMs`.
     */
    async probe(isDialled: (phones: Set<string>) => number | null, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
      const phones = new Set<string>();
      const until = Date.now() + timeoutMs;
      let next = 0;
      while (Date.now() < until && !signal?.aborted) {
        const at = isDialled(phones);
        if (at !== null) return at;
        if (Date.now() >= next && inflight.size < 96) {
          next = Date.now() + 1000;
          const p = newPerson({ digit: 7, probe: true });
          phones.add(p.phone);
          launch(post(p, 'soak-a', true));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    },
    async settle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

export type Traffic = ReturnType<typeof createTraffic>;

/** The callee's local calendar day of an instant. */
export const localDay = (t: number, zone: string) => localParts(t, zone).date;
