/**
 * Operations activities: alerts to ops, incident detection and the steps incidents take (lower a
 * campaign's CPS, roll its strategy back, hold cadences while an interface is down, probe it).
 * Every step is idempotent or harmless to repeat, and recorded on the incident's timeline.
 */
import { log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activeHold, campaignConnectRates, carrierApiFailures, incidentDuring, interfaceErrorCount, lastClosed, noteIncident, openIncident } from '../db/queries/operations';
import { attempts, campaigns, lines } from '../db/schema';
import { scriptHealth } from '../db/queries/script';
import { connectRateIncident, interfaceIncident, scriptIncident } from '../workflows/incidents';
import { carrierInterfaceFailing, defaultIncidentPolicy, scriptMisbehaving, type IncidentPolicy } from '../domain/incident';
import type { ScriptMode } from '../domain/script';
import { rollbackStrategy, setCampaignCps as setCps, setScriptMode as writeScriptMode } from '../services/campaigns';
import { ServiceError, ServiceErrorCode } from '../services/errors';
import { raiseAlert as storeAlert } from '../services/alerts';
import { requireClient } from './client';
import type { Carrier } from './carrier';
import type { AlertInput, OpsActivities, RollbackResult } from '../workflows/contracts';

export interface OpsDeps {
  db: Db;
  temporal?: Client;
  taskQueue: string;
  carrier: Carrier;
  /** Alerts are POSTed here as JSON when set (REDIAL_OPS_WEBHOOK_URL). */
  opsWebhookUrl?: string;
}

export function createOpsActivities(deps: OpsDeps): OpsActivities {
  const { db } = deps;

  /** Stores the alert and tells ops (services/alerts.ts): never lost, no credentials or numbers in it. */
  const raiseAlert = (input: AlertInput): Promise<number> => storeAlert({ db, opsWebhookUrl: deps.opsWebhookUrl, log: (m, alert) => log.warn(m, { alert }) }, input);

  /**
   * The watchdog's look (every minute), in the source's order: the lines first, then the pace,
   * then the strategy. The carrier API or CRM sync failing beyond the threshold starts its
   * interface incident; only while no interface holds does a campaign whose connect rate fell
   * under the floor start its connect-rate incident — judged on its own calls (carrier failures
   * are the carrier's) made after the last carrier incident closed, so an outage never slows a
   * campaign down or rolls its strategy back. Apart from both, a campaign whose intelligent script
   * misunderstands (domain/incident.ts scriptMisbehaving) starts its script incident. One incident
   * per subject at a time (the workflow id is the subject), judged only on what happened since the
   * last one about it closed.
   */
  async function detectIncidents(policy: IncidentPolicy): Promise<string[]> {
    // a schedule registered by an older worker may lack newer fields: the defaults fill them
    const p: IncidentPolicy = { ...defaultIncidentPolicy, ...policy };
    const temporal = requireClient(deps.temporal);
    const now = Date.now();
    const started: string[] = [];
    const start = async (workflowId: string, begin: () => Promise<unknown>) => {
      if (await running(temporal, workflowId)) return;
      await begin();
      started.push(workflowId);
    };
    // what happened before an incident about the same subject closed is that incident's, not a new one
    const since = async (kind: string, subject: string, windowMs: number, after = 0) => {
      const closed = await lastClosed(db, kind, subject);
      return new Date(Math.max(now - windowMs, closed?.getTime() ?? 0, after));
    };
    const carrier = await carrierApiFailures(db, await since('interface', 'carrier', p.escalationWindowMs));
    const crmErrors = await interfaceErrorCount(db, 'crm', await since('interface', 'crm', p.escalationWindowMs));
    const failing: Array<['carrier' | 'crm', unknown]> = [];
    if (carrierInterfaceFailing(carrier, p)) failing.push(['carrier', carrier]);
    if (crmErrors >= p.crmErrors) failing.push(['crm', { errors: crmErrors }]);
    for (const [iface, detail] of failing) {
      const workflowId = `incident:interface:${iface}`;
      await start(workflowId, () =>
        temporal.workflow.start(interfaceIncident, { workflowId, taskQueue: deps.taskQueue, args: [{ iface, detail, policy: p }], workflowIdConflictPolicy: 'USE_EXISTING' }),
      );
    }
    // what people say does not depend on the carrier: judged whatever the interfaces do
    for (const h0 of await scriptHealth(db, new Date(now - p.scriptWindowMs))) {
      if (!scriptMisbehaving(h0, p)) continue;
      const [h] = await scriptHealth(db, await since('script', h0.campaignId, p.scriptWindowMs), h0.campaignId);
      if (!h || !scriptMisbehaving(h, p)) continue;
      const workflowId = `incident:script:${h.campaignId}`;
      await start(workflowId, () =>
        temporal.workflow.start(scriptIncident, { workflowId, taskQueue: deps.taskQueue, args: [{ campaignId: h.campaignId, health: h, policy: p }], workflowIdConflictPolicy: 'USE_EXISTING' }),
      );
    }
    if (failing.length || (await activeHold(db))) return started;
    // a campaign is judged only on calls made since the carrier last recovered: the outage's are not its own
    const carrierBack = (await lastClosed(db, 'interface', 'carrier'))?.getTime() ?? 0;
    for (const r0 of await campaignConnectRates(db, new Date(Math.max(now - p.windowMs, carrierBack)))) {
      if (r0.placed < p.minCalls || r0.rate >= p.connectRateFloor) continue;
      const [r] = await campaignConnectRates(db, await since('connect-rate', r0.campaignId, p.windowMs, carrierBack), r0.campaignId);
      if (!r || r.placed < p.minCalls || r.rate >= p.connectRateFloor) continue;
      const workflowId = `incident:connect-rate:${r.campaignId}`;
      await start(workflowId, () =>
        temporal.workflow.start(connectRateIncident, { workflowId, taskQueue: deps.taskQueue, args: [{ campaignId: r.campaignId, rate: r.rate, placed: r.placed, policy: p }], workflowIdConflictPolicy: 'USE_EXISTING' }),
      );
    }
    return started;
  }

  async function running(temporal: Client, workflowId: string): Promise<boolean> {
    try {
      return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async function openIncidentStep(i: { kind: string; subject: string; workflowId: string; detail?: unknown }): Promise<string> {
    return (await openIncident(db, i)).id;
  }

  async function noteIncidentStep(n: { id: string; step: string; detail?: unknown; status?: string }) {
    await noteIncident(db, n.id, n.step, n.detail, n.status);
  }

  async function campaignConnectRate({ campaignId, since }: { campaignId: string; since: number }) {
    const [r] = await campaignConnectRates(db, new Date(since), campaignId);
    return r ?? { campaignId, placed: 0, delivered: 0, rate: 1 };
  }

  /**
   * The campaign's CPS now: its own cap, else the cap of the line that carried most of its calls
   * lately (what it effectively ran at), else the largest line's.
   */
  async function campaignCps({ campaignId }: { campaignId: string }): Promise<{ own: number | null; effective: number }> {
    const [c] = await db.select({ cps: campaigns.cps }).from(campaigns).where(eq(campaigns.id, campaignId));
    if (c?.cps) return { own: c.cps, effective: c.cps };
    const [used] = await db
      .select({ cps: lines.cps })
      .from(attempts)
      .innerJoin(lines, eq(lines.id, attempts.lineId))
      .where(eq(attempts.campaignId, campaignId))
      .groupBy(lines.id, lines.cps)
      .orderBy(desc(sql`count(*)`))
      .limit(1);
    const [any] = await db.select({ cps: sql<number>`max(${lines.cps})::int` }).from(lines).where(ne(lines.state, 'closed'));
    return { own: null, effective: used?.cps ?? any?.cps ?? 1 };
  }

  /** The incident's CPS step: the same update as an admin's PATCH, audited as `campaign.cps`. */
  async function setCampaignCps({ campaignId, cps, actor }: { campaignId: string; cps: number | null; actor: string }) {
    try {
      await setCps({ db }, { campaignId, cps, actor });
    } catch (err) {
      // a campaign that does not exist has no cap to set; retrying would not make one
      if (!(err instanceof ServiceError && err.code === ServiceErrorCode.unknownCampaign)) throw err;
    }
  }

  /**
   * Rolls the campaign's strategy back, unless the carrier's interface failed while the incident
   * watched (`watchedSince` on): then the watch proved nothing about the strategy, and it stays.
   */
  async function rollbackCampaign({ campaignId, actor, watchedSince }: { campaignId: string; actor: string; watchedSince?: number }): Promise<RollbackResult> {
    if (watchedSince !== undefined && (await incidentDuring(db, 'interface', 'carrier', new Date(watchedSince), new Date()))) {
      return { withheld: 'the carrier interface failed while the campaign was watched: its calls say nothing about the strategy' };
    }
    try {
      return await rollbackStrategy({ db }, { campaignId, actor });
    } catch (err) {
      // no such campaign, or it is at its first version: nothing to roll back to (the incident notes it)
      if (err instanceof ServiceError && (err.code === ServiceErrorCode.unknownCampaign || err.code === ServiceErrorCode.conflict)) return null;
      throw err;
    }
  }

  /** Does the interface answer? carrier: its API lists calls on some open line; crm: no sync errors since the last probe. */
  async function probeInterface({ iface, sinceMs }: { iface: 'carrier' | 'crm'; sinceMs: number }): Promise<{ ok: boolean; detail: string }> {
    if (iface === 'crm') {
      const n = await interfaceErrorCount(db, 'crm', new Date(Date.now() - sinceMs));
      return { ok: n === 0, detail: `${n} CRM sync error(s) in the last ${Math.round(sinceMs / 1000)} s` };
    }
    const open = await db.select().from(lines).where(ne(lines.state, 'closed'));
    const errors: string[] = [];
    for (const line of open) {
      try {
        await deps.carrier.client(line).calls.list({ from: line.fromNumber, limit: 1 });
        return { ok: true, detail: `line ${line.id} answers` };
      } catch (err) {
        errors.push(`${line.id}: ${(err as Error).message}`);
      }
    }
    return { ok: false, detail: errors.join('; ') || 'no open line' };
  }

  /** The script incident's switch (to basic at once, back to intelligent on an operator's resume): the same audited write as the API's. */
  async function setScriptMode({ campaignId, mode, actor }: { campaignId: string; mode: ScriptMode; actor: string }): Promise<ScriptMode | null> {
    try {
      return await writeScriptMode({ db }, { campaignId, mode, actor });
    } catch (err) {
      if (err instanceof ServiceError && err.code === ServiceErrorCode.unknownCampaign) return null;
      throw err;
    }
  }

  return {
    raiseAlert,
    setScriptMode,
    detectIncidents,
    openIncident: openIncidentStep,
    noteIncident: noteIncidentStep,
    campaignConnectRate,
    campaignCps,
    setCampaignCps,
    rollbackCampaign,
    probeInterface,
  };
}
