/**
 * One soak: the cluster up, campaigns created through the API, a steady stream of events with
 * faults on a schedule (each with its recovery time measured by fresh probe events), a drain, the
 * worker stopped cleanly so nothing moves, then the three records reconciled. Shared by
 * `npm run soak` and test/soak.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Client, Connection } from '@temporalio/client';
import type { Sim } from '../../../sim/server';
import { startCluster } from './cluster';
import { FAULTS, type FaultName } from './faults';
import { formatReport, reconcile, uncalled, type FaultRecord, type SimCallView, type SoakReport } from './reconcile';
import { CAMPAIGNS, createTraffic, mask, zonesFor } from './traffic';
import { DEFAULT_TENANT } from '../../../workflows/constants';
import { workflowIdOf } from '../../../services/cadences';
import type { Keyring } from '../../../services/keyring';
import { dataConverterOf } from '../../../services/payload-codec';
import type { CadenceView } from '../../../workflows/messages';
import { redactPhones, unmaskedPhones } from '../../../domain/phone';

export interface SoakOptions {
  /** Minutes of traffic (faults happen within them; a run that injects each fault once lasts until the last is over). */
  minutes: number;
  /** Events offered per second. */
  rate: number;
  faults: FaultName[];
  /** Seconds from one fault's start to the next. */
  faultIntervalSec: number;
  /** Seconds before the first fault. */
  firstFaultSec: number;
  /** How long a carrier burst (5xx, hang, callback delay) lasts, in ms. */
  burstMs: number;
  /** Cycle through the faults again while traffic lasts (a long run) or inject each once (the short soak). */
  repeatFaults: boolean;
  /** The longest wait after traffic for every allowed event to be dialled, in seconds. */
  drainSec: number;
  timeScale: number;
  log: (m: string) => void;
  signal?: AbortSignal;
}

export const defaultSoakOptions: Omit<SoakOptions, 'log'> = {
  minutes: 10,
  rate: 2,
  faults: Object.keys(FAULTS) as FaultName[],
  faultIntervalSec: 60,
  firstFaultSec: 20,
  burstMs: 15_000,
  repeatFaults: true,
  drainSec: 180,
  timeScale: 0.01,
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The simulator's calls as GET /sim/calls shows them (read in-process while the run goes on). */
const simCallsNow = (sim: Sim): SimCallView[] =>
  [...sim.calls.values()].map((c) => ({ sid: c.sid, to: c.to, from: c.from, status: c.status, createdAt: c.createdAt, endedAt: c.endedAt, digits: c.digits, refusedBy: c.refusedBy, sipResponseCode: c.sipResponseCode, statusCallback: one(c.params.StatusCallback) ?? null }));

/** A person's cadence (its state query) and attempts, masked, for the log. */
async function explain(phone: string, sql: postgres.Sql, temporal: Client, keyring: Keyring): Promise<string> {
  const masked = mask(phone);
  const rows = await sql<Array<{ status: string; outcome: string | null; reserved_at: Date }>>`
    select a.status, a.outcome, a.reserved_at from attempts a join contacts c on c.id = a.contact_id where c.phone = ${phone} order by a.reserved_at`.catch(() => []);
  const attempts = rows.map((r) => `${r.status}/${r.outcome ?? '-'}@${r.reserved_at.toISOString().slice(11, 19)}`).join(' ') || 'no attempt';
  try {
    const handle = temporal.workflow.getHandle(workflowIdOf(keyring, { tenant: DEFAULT_TENANT, phone }));
    const run = (await handle.describe()).status.name;
    const view = await temporal.connection.withDeadline(Date.now() + 5_000, () => handle.query<CadenceView>('state'));
    const refusals = view.lastRefusals.map((r) => r.reason).join(',') || 'none';
    return `${masked}: run ${run}, cadence ${view.status}, next ${view.nextAttemptAt ?? '-'} (${view.nextAttemptReason ?? '-'}), follow-ups ${view.followUps.map((f) => `${f.campaignId}:${f.status}:${f.attempts}`).join(' ')}, refusals ${refusals}; attempts ${attempts}`;
  } catch (err) {
    return `${masked}: cadence state unavailable (${(err as Error).message.split('\n')[0]}); attempts ${attempts}`;
  }
}

const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export async function runSoak(o: SoakOptions): Promise<{ report: SoakReport; text: string }> {
  const { log, signal } = o;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-soak-'));
  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  log(`starting PostgreSQL, Temporal (file-backed), the simulator, the api and the worker in ${dataDir}`);
  const cluster = await startCluster({ dataDir, timeScale: o.timeScale, log });
  let sql: postgres.Sql | null = null;
  let connection: Connection | null = null;
  // a failed run keeps its folder (process logs, PostgreSQL data, Temporal's file) for a look afterwards
  let keep = process.env.SOAK_KEEP_DATA === '1';
  try {
    log(`[${since()}] up: api ${cluster.apiUrl}, Temporal ${cluster.temporalAddress} (UI ${cluster.temporalUiUrl}), simulator ${cluster.simUrl}`);
    const headers = { authorization: `Bearer ${cluster.adminKey}`, 'content-type': 'application/json' };
    for (const [id, strategy] of Object.entries(CAMPAIGNS)) {
      const res = await fetch(`${cluster.apiUrl}/v1/campaigns`, { method: 'POST', headers, body: JSON.stringify({ id, name: id, strategy }) });
      if (res.status !== 201) throw new Error(`POST /v1/campaigns ${id} → ${res.status} ${await res.text()}`);
    }
    const trafficStart = Date.now();
    // a run that injects each fault once goes on until the last one is over (and 10 s more)
    const plannedEnd = trafficStart + o.minutes * 60_000;
    let trafficEnd = o.repeatFaults || o.faults.length === 0 ? plannedEnd : Infinity;
    const zones = zonesFor(trafficStart, plannedEnd + (o.drainSec + 600) * 1000);
    log(`[${since()}] ${o.rate} events/s for ${o.minutes} min; day zones ${zones.day.length}, night zones ${zones.night.length}; faults: ${o.faults.join(', ') || 'none'}`);
    const traffic = createTraffic({ apiUrl: cluster.apiUrl, adminKey: cluster.adminKey, zones, log });
    const driving = traffic.drive(o.rate, () => trafficEnd, signal);

    const faults: FaultRecord[] = [];
    const probes: Array<Promise<unknown>> = [];
    const dialledAmong = (after: number) => (phones: Set<string>) => {
      let first: number | null = null;
      for (const c of cluster.sim.calls.values()) if (phones.has(c.to) && c.createdAt >= after && (first === null || c.createdAt < first)) first = c.createdAt;
      return first;
    };
    let next = trafficStart + o.firstFaultSec * 1000;
    for (let i = 0; o.faults.length && (o.repeatFaults || i < o.faults.length) && !signal?.aborted; i++) {
      await sleep(next - Date.now(), signal);
      if (signal?.aborted || (o.repeatFaults && Date.now() > trafficEnd - 5_000)) break;
      const name = o.faults[i % o.faults.length]!;
      traffic.setFault(name);
      const rec: FaultRecord = { name, at: Date.now(), lastedMs: 0, recoveryMs: null };
      faults.push(rec);
      log(`[${since()}] fault: ${name}`);
      probes.push(traffic.probe(dialledAmong(rec.at), 240_000, signal).then((at) => (rec.recoveryMs = at === null ? null : at - rec.at)));
      try {
        await FAULTS[name](cluster, o.burstMs);
      } catch (err) {
        log(`[${since()}] fault ${name} could not be undone: ${(err as Error).message}`);
        throw err;
      }
      rec.lastedMs = Date.now() - rec.at;
      log(`[${since()}] ${name} over after ${(rec.lastedMs / 1000).toFixed(1)} s`);
      next = Math.max(next + o.faultIntervalSec * 1000, Date.now() + 3_000);
    }
    trafficEnd = Math.min(trafficEnd, Math.max(plannedEnd, Date.now() + 10_000));
    await driving;
    traffic.setFault('end');
    await Promise.all(probes);
    await traffic.settle();
    log(`[${since()}] traffic over: ${traffic.events.length} events offered; draining (at most ${o.drainSec} s)`);

    // drain: until every allowed event was dialled and nothing is in flight, or the time is up
    const drainEnd = Date.now() + o.drainSec * 1000;
    let quietSince = 0;
    while (Date.now() < drainEnd && !signal?.aborted) {
      const calls = simCallsNow(cluster.sim);
      if (uncalled(traffic, calls).length === 0 && calls.every((c) => TERMINAL.has(c.status))) {
        quietSince ||= Date.now();
        if (Date.now() - quietSince > 3_000) break;
      } else quietSince = 0;
      await sleep(1_000, signal);
    }
    sql = postgres(cluster.databaseUrl, { max: 2, onnotice: () => {} });
    connection = await Connection.connect({ address: cluster.temporalAddress });
    const temporal = new Client({ connection, dataConverter: dataConverterOf(cluster.keyring) });
    // what an event still waiting for its call is waiting on, while the worker can still answer
    for (const e of uncalled(traffic, simCallsNow(cluster.sim)).slice(0, 10)) log(`waiting: ${await explain(e.phone, sql, temporal, cluster.keyring)}`);
    log(`[${since()}] drained; stopping the worker cleanly so nothing moves while the records are read`);
    await cluster.worker.stop();
    await Promise.race([cluster.sim.idle(), sleep(65_000)]);

    const simCalls = ((await (await fetch(`${cluster.simUrl}/sim/calls`)).json()) as { calls: SimCallView[] }).calls;
    const report = await reconcile({ traffic, simCalls, sql, temporal, keyring: cluster.keyring, faults });
    // personal data: what the api, worker and simulator logged names no number in clear
    for (const file of ['api.log', 'worker.log', 'sim.log']) {
      const p = path.join(dataDir, file);
      const clear = fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').filter((l) => unmaskedPhones(l).length) : [];
      report.unmaskedLogLines += clear.length;
      for (const l of clear.slice(0, 3)) report.findings.push(`number in clear in ${file}: ${redactPhones(l).slice(0, 200)}`);
    }
    if (report.unmaskedLogLines) report.ok = false;
    const text = formatReport(report, `soak: ${o.minutes} min at ${o.rate} events/s, faults ${o.faults.join(', ') || 'none'} (${since()} wall)`);
    for (const f of report.findings) log(f);
    keep ||= !report.ok;
    return { report, text };
  } finally {
    await sql?.end().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await cluster.stop();
    if (keep) log(`kept ${dataDir} (api.log, worker.log, sim.log, pg/, temporal.db)`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
