/**
 * Incident automation (DESIGN.md "incidents"), each incident a workflow whose every step lands on
 * the incident's timeline in PostgreSQL:
 * - connect rate: lower the campaign's CPS, watch, and roll its strategy back if it does not recover
 *   (never when the carrier's interface failed during the watch: that proves nothing about the strategy);
 * - interface down (carrier API, CRM sync): hold every cadence at the gate (nothing is lost: each
 *   waits where it was), tell ops, probe, and release when it heals;
 * - the intelligent script misunderstands (too many turns not understood, people asking for a person
 *   after a misunderstanding): switch the campaign to the basic script at once, roll its strategy
 *   back, tell ops, and wait: only an operator brings the intelligent script back.
 * Operators resume (undo the automatic measure now) or abort (stop the automation, keep the measure).
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RedialActivities } from './contracts';
import type { IncidentPolicy, ScriptHealth } from '../domain/incident';

const acts = proxyActivities<RedialActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export const resumeIncidentSignal = defineSignal<[{ by: string }]>('resumeIncident');
export const abortIncidentSignal = defineSignal<[{ by: string }]>('abortIncident');
export const incidentIdQuery = defineQuery<string | null>('incidentId');

type Command = { kind: 'resume' | 'abort'; by: string } | null;

function operatorCommands() {
  const box: { command: Command; id: string | null } = { command: null, id: null };
  setHandler(resumeIncidentSignal, ({ by }) => void (box.command = { kind: 'resume', by }));
  setHandler(abortIncidentSignal, ({ by }) => void (box.command ??= { kind: 'abort', by }));
  setHandler(incidentIdQuery, () => box.id);
  return box;
}

export async function connectRateIncident(input: { campaignId: string; rate: number; placed: number; policy: IncidentPolicy }): Promise<string> {
  const { campaignId, policy: p } = input;
  const ops = operatorCommands();
  const { workflowId } = workflowInfo();
  const actor = workflowId;
  const id = (ops.id = await acts.openIncident({ kind: 'connect-rate', subject: campaignId, workflowId, detail: { connectRate: input.rate, calls: input.placed, floor: p.connectRateFloor } }));
  await acts.raiseAlert({ kind: 'connect-rate', severity: 'warning', message: `Campaign ${campaignId}: connect rate ${pct(input.rate)} over ${input.placed} calls (floor ${pct(p.connectRateFloor)}); lowering its CPS`, detail: { incidentId: id } });

  const cps = await acts.campaignCps({ campaignId });
  const lowered = Math.max(1, Math.floor(cps.effective * p.cpsFactor));
  await acts.setCampaignCps({ campaignId, cps: lowered, actor });
  await acts.noteIncident({ id, step: 'cps-lowered', detail: { from: cps.effective, to: lowered } });
  const restore = () => acts.setCampaignCps({ campaignId, cps: cps.own, actor });

  const since = Date.now();
  const until = since + p.watchMs;
  while (Date.now() < until) {
    await condition(() => ops.command !== null, Math.max(1, Math.min(p.checkEveryMs, until - Date.now())));
    if (ops.command) break;
    const r = await acts.campaignConnectRate({ campaignId, since });
    await acts.noteIncident({ id, step: 'checked', detail: { connectRate: r.rate, calls: r.placed } });
    if (r.placed >= p.minCalls && r.rate >= p.connectRateFloor) {
      await restore();
      await acts.noteIncident({ id, step: 'recovered', detail: { connectRate: r.rate, cps: cps.own ?? 'line caps' }, status: 'recovered' });
      return 'recovered';
    }
  }
  const cmd = ops.command as Command;
  if (cmd?.kind === 'resume') {
    await restore();
    await acts.noteIncident({ id, step: 'resumed-by-operator', detail: { by: cmd.by }, status: 'resolved' });
    return 'resolved';
  }
  if (cmd?.kind === 'abort') {
    await acts.noteIncident({ id, step: 'aborted-by-operator', detail: { by: cmd.by, cps: lowered }, status: 'aborted' });
    return 'aborted';
  }
  const rb = await acts.rollbackCampaign({ campaignId, actor, watchedSince: since });
  if (rb && 'withheld' in rb) {
    // the carrier failed while we watched: its failures are not the strategy's. The same two steps
    // as a rollback (a note, an alert), so histories recorded before this replay unchanged.
    await acts.noteIncident({ id, step: 'rollback-withheld', detail: { reason: rb.withheld, cps: lowered }, status: 'inconclusive' });
    await acts.raiseAlert({
      kind: 'connect-rate',
      severity: 'warning',
      message: `Campaign ${campaignId} not rolled back: the carrier's interface failed while it was watched (CPS stays at ${lowered}); it is judged again on its calls after the carrier recovered`,
      detail: { incidentId: id },
    });
    return 'inconclusive';
  }
  await acts.noteIncident({ id, step: rb ? 'rolled-back' : 'no-previous-version', detail: rb ?? { note: 'the campaign is at its first strategy version' }, status: 'rolled-back' });
  await acts.raiseAlert({
    kind: 'connect-rate',
    severity: 'critical',
    message: rb ? `Campaign ${campaignId} did not recover: strategy rolled back from v${rb.from} to v${rb.to} (CPS stays at ${lowered})` : `Campaign ${campaignId} did not recover and has no earlier strategy version (CPS stays at ${lowered})`,
    detail: { incidentId: id },
  });
  return 'rolled-back';
}

export async function interfaceIncident(input: { iface: 'carrier' | 'crm'; detail: unknown; policy: IncidentPolicy }): Promise<string> {
  const { iface, policy: p } = input;
  const ops = operatorCommands();
  const { workflowId } = workflowInfo();
  // from this row on, the gate holds every cadence (status open): they wait, nothing is dropped
  const id = (ops.id = await acts.openIncident({ kind: 'interface', subject: iface, workflowId, detail: input.detail }));
  await acts.raiseAlert({ kind: `interface-${iface}`, severity: 'critical', message: `${iface === 'carrier' ? 'Carrier API' : 'CRM sync'} failing: every cadence is held until it heals`, detail: { incidentId: id, ...(input.detail as object) } });

  let clean = 0;
  let aborted = false;
  for (;;) {
    await condition(() => ops.command !== null && (ops.command.kind === 'resume' || !aborted), aborted ? undefined : p.probeEveryMs);
    const cmd = ops.command as Command;
    if (cmd?.kind === 'resume') {
      await acts.noteIncident({ id, step: 'resumed-by-operator', detail: { by: cmd.by }, status: 'resolved' });
      await acts.raiseAlert({ kind: `interface-${iface}`, severity: 'info', message: `${iface}: resumed by ${cmd.by}; cadences continue`, detail: { incidentId: id } });
      return 'resolved';
    }
    if (cmd?.kind === 'abort' && !aborted) {
      aborted = true;
      await acts.noteIncident({ id, step: 'aborted-by-operator', detail: { by: cmd.by, note: 'probing stopped; cadences stay held until resumed' }, status: 'aborted' });
      continue;
    }
    if (aborted) continue;
    const probe = await acts.probeInterface({ iface, sinceMs: p.probeEveryMs });
    const before = clean;
    clean = probe.ok ? clean + 1 : 0;
    if (clean === 1 || (before > 0 && clean === 0)) await acts.noteIncident({ id, step: probe.ok ? 'probe-passed' : 'probe-failed', detail: probe.detail });
    if (clean >= p.probesToHeal) {
      await acts.noteIncident({ id, step: 'healed', detail: { cleanProbes: clean }, status: 'recovered' });
      await acts.raiseAlert({ kind: `interface-${iface}`, severity: 'info', message: `${iface}: healed after ${clean} clean probes; cadences continue`, detail: { incidentId: id } });
      return 'recovered';
    }
  }
}

export async function scriptIncident(input: { campaignId: string; health: ScriptHealth; policy: IncidentPolicy }): Promise<string> {
  const { campaignId, health: h } = input;
  const ops = operatorCommands();
  const { workflowId } = workflowInfo();
  const id = (ops.id = await acts.openIncident({ kind: 'script', subject: campaignId, workflowId, detail: h }));
  // first, at once: every call answered from now on plays the announcement and the key menu
  const before = await acts.setScriptMode({ campaignId, mode: 'basic', actor: workflowId });
  await acts.noteIncident({ id, step: 'switched-to-basic', detail: { before } });
  const rb = await acts.rollbackCampaign({ campaignId, actor: workflowId });
  const rolled = rb && 'from' in rb ? rb : null;
  await acts.noteIncident({ id, step: rolled ? 'rolled-back' : 'no-previous-version', detail: rolled ?? { note: 'the campaign is at its first strategy version' } });
  await acts.raiseAlert({
    kind: 'script',
    severity: 'critical',
    message:
      `Campaign ${campaignId}: ${h.unknown} of ${h.turns} call turns not understood, ${h.humanAfterMisunderstanding} asked for a person after a misunderstanding. ` +
      `Switched to the basic script${rolled ? ` and strategy rolled back from v${rolled.from} to v${rolled.to}` : ''}; an operator resumes the intelligent script (POST /v1/campaigns/${campaignId}/mode)`,
    detail: { incidentId: id },
  });
  // only an operator ends it: an abort stops nothing more (there is no more automation), the campaign stays basic until resumed
  let aborted = false;
  for (;;) {
    await condition(() => ops.command !== null);
    const cmd = ops.command as Command;
    if (cmd?.kind === 'resume') {
      await acts.setScriptMode({ campaignId, mode: 'intelligent', actor: cmd.by });
      await acts.noteIncident({ id, step: 'resumed-by-operator', detail: { by: cmd.by }, status: 'resolved' });
      return 'resolved';
    }
    if (cmd && !aborted) {
      aborted = true;
      await acts.noteIncident({ id, step: 'aborted-by-operator', detail: { by: cmd.by, note: 'the campaign stays on the basic script until an operator resumes it' }, status: 'aborted' });
    }
    ops.command = null;
  }
}

/** Scheduled every minute: looks for incidents to open. */
export async function watchdog(input: { policy: IncidentPolicy }): Promise<string[]> {
  return acts.detectIncidents(input.policy);
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
