/**
 * The cadence workflow on the time-skipping test server, with the real reservation gate on a real
 * PostgreSQL database (its clock is the test server's) and a scripted carrier: the test decides
 * each call's outcome, and the fake carrier returns it from the dial activity (histories from before:
 * signals it back), as the callback path would.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { createCarrier } from '../../activities/carrier';
import { refuseClosedWindow } from '../../activities/carrier-attempt';
import type { RedialActivities } from '../../workflows/contracts';
import { bootstrap } from '../../services/bootstrap';
import { newKey } from '../../services/keys';
import { ensureCampaign } from '../../db/queries/campaigns';
import { addOptOut, upsertContact } from '../../db/queries/contacts';
import { attempts } from '../../db/schema';
import { simulatorLines } from '../../sim/defaults';
import { cadence } from '../../workflows/cadence';
import { CarrierFailure } from '../../workflows/constants';
import { workflowIdOf } from '../../services/cadences';
import { eventSignal, optOutSignal, outcomeSignal, stateQuery } from '../../workflows/messages';
import { initialState, type Outcome } from '../../domain/cadence-state';
import type { StrategyInput } from '../../domain/strategy';
import { strategySchema } from '../../domain/strategy';
import { freshDatabase, uid, workflowBundle, testKeyring } from './env';
import { recordHistories } from './record';
import { quietRuntime } from './system';

export interface Dial {
  attemptId: string;
  phone: string;
  channel: 'call' | 'sms';
  at: number;
}

export async function startTimeSkipping() {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  const env = await TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
  // Every call this environment makes on the test server's client runs under one abort signal.
  // On a wedged server (temporalio/sdk-java#2391) a skip never answers; tear-down closes the
  // channel, the pending call then fails as UNAVAILABLE, the client's retry fires on the closed
  // channel and throws from a timer ("Channel has been shut down"), outside any test. Cancelling
  // what is pending before tear-down ends those calls as CANCELLED, which is not retried.
  const inFlight = new AbortController();
  const guard = <T>(fn: () => Promise<T>): Promise<T> =>
    inFlight.signal.aborted ? Promise.reject(new Error('the time-skipping environment is torn down')) : env.connection.withAbortSignal(inFlight.signal, fn);
  const now = () => guard(() => env.currentTimeMs());
  const database = await freshDatabase();
  await bootstrap(database.db, { keyring: testKeyring(), adminKey: newKey(), lines: simulatorLines });
  const taskQueue = `ts-${uid()}`;
  const dials: Dial[] = [];
  /** The outcome the scripted carrier reports for a number; 'no-answer' unless set. */
  const script = new Map<string, Outcome>();
  /** Numbers whose next send finds the window closed at the last look (it was open at the grant). */
  const closeWindowOnce = new Set<string>();
  const real = createActivities({ keyring: testKeyring(), db: database.db, carrier: createCarrier({ keyring: testKeyring() }), clock: now, publicUrl: 'http://127.0.0.1:1' });

  const finish = async (attemptId: string, channel: 'call' | 'sms', by: 'signal' | 'return' = 'signal') => {
    const [a] = await database.db.select().from(attempts).where(eq(attempts.id, attemptId));
    const phone = (await database.sql`select phone from contacts where id = ${a!.contactId}`)[0]!.phone as string;
    const at = await now();
    // like the real placeCall and sendSms: the DNC list is looked at last, right before the carrier is asked
    const listed = await database.sql`select 1 from opt_outs where tenant = 'default' and phone = ${phone}`;
    if (listed.length) {
      // The test server wedges when a workflow cancels an activity in the very workflow task in which
      // that activity fails (temporalio/sdk-java#2391; the real server handles it). Here that is the
      // opt-out signal and this refusal racing, so the refusal waits until the cadence has taken the
      // signal (and sent its cancel); the real carrier refuses at once.
      const handle = env.client.workflow.getHandle(a!.workflowId);
      for (let i = 0; i < 50; i++) {
        const state = await guard(() => handle.query(stateQuery)).catch(() => null);
        if (!state || state.optedOut || state.status !== 'active') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      throw ApplicationFailure.nonRetryable('the contact opted out before the call was placed', CarrierFailure.unsubscribed);
    }
    if (closeWindowOnce.delete(phone)) {
      // the window closed between the grant and the send: the real last look's refusal (activities/carrier-attempt.ts)
      await refuseClosedWindow(database.db, a!, { rule: 'quiet-hours', until: at + 3_600_000 }, at);
    }
    dials.push({ attemptId, phone, channel, at });
    const outcome = channel === 'sms' ? 'sms-sent' : (script.get(phone) ?? 'no-answer');
    await database.db.update(attempts).set({ status: channel === 'sms' ? 'sent' : 'completed', outcome, providerSid: `FAKE${attemptId}` }).where(eq(attempts.id, attemptId));
    if (channel === 'call' && by === 'signal') {
      const at = await now();
      await guard(() => env.client.workflow.getHandle(a!.workflowId).signal(outcomeSignal, { attemptId, outcome, at }));
    }
    return { providerSid: `FAKE${attemptId}`, lineId: 'fake', outcome };
  };
  const activities: RedialActivities = {
    ...real,
    reserveAttempt: real.reserveAttempt,
    reconcileAttempt: async () => ({ outcome: null }),
    cancelCall: async () => undefined,
    placeCall: ({ attemptId }) => finish(attemptId, 'call'),
    // cadences from now on: the outcome ends the dial activity, as the status callback completes it
    dial: async ({ attemptId }) => ({ outcome: (await finish(attemptId, 'call', 'return')).outcome }),
    sendSms: ({ attemptId }) => finish(attemptId, 'sms'),
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    ...(workflowBundle() ? { workflowBundle: workflowBundle()! } : { workflowsPath: require.resolve('../../workflows') }),
  });
  const running = worker.run();
  // on a wedged server the run may end only when tear-down closes its channel, after stop() stopped
  // waiting for it: that late failure is expected then, and must not surface as an uncaught error
  let runFailure: unknown = null;
  running.catch((err: unknown) => (runFailure = err));
  /** Every cadence this environment started, for REDIAL_RECORD_HISTORIES. */
  const started = new Set<string>();

  return {
    env,
    db: database.db,
    dials,
    script,
    closeWindowOnce,
    now,
    async campaign(id: string, strategy: StrategyInput) {
      await ensureCampaign(database.db, { id, name: id, strategy, createdBy: 'test' });
    },
    /** Delivers an event as the API would (signal-with-start), with the campaign's strategy. */
    async event(p: { phone: string; timeZone: string; type: string; campaignId?: string; strategy?: StrategyInput; id?: string; tags?: string[] }) {
      const tenant = 'default';
      const contact = await upsertContact(database.db, { tenant, phone: p.phone, timeZone: p.timeZone, tags: p.tags }, true);
      const workflowId = workflowIdOf(testKeyring(), { tenant, phone: p.phone });
      const at = await now();
      await guard(() => env.client.workflow.signalWithStart(cadence, {
        workflowId,
        taskQueue,
        args: [{ state: initialState({ tenant, phone: p.phone, contactId: contact.id, timeZone: p.timeZone, tags: p.tags, contactStatus: contact.status }), searchAttributes: false }],
        signal: eventSignal,
        signalArgs: [
          {
            id: p.id ?? `${p.type}-${at}-${uid()}`,
            type: p.type,
            campaignId: p.campaignId ?? 'default',
            occurredAt: at,
            strategy: strategySchema.parse(p.strategy ?? {}),
            strategyVersion: 1,
          },
        ],
      }));
      started.add(workflowId);
      return { workflowId, contactId: contact.id, handle: env.client.workflow.getHandle(workflowId) };
    },
    /** An operator opt-out as the API does it: the DNC row first, then the signal. */
    async optOut(phone: string) {
      await addOptOut(database.db, 'default', phone, 'operator');
      await guard(() => env.client.workflow.getHandle(workflowIdOf(testKeyring(), { tenant: 'default', phone })).signal(optOutSignal, { source: 'operator' }));
    },
    state: (workflowId: string) => guard(() => env.client.workflow.getHandle(workflowId).query(stateQuery)),
    /** Moves the test server's clock forward; timers fire and activities run on the way. */
    sleep: (ms: number) => guard(() => env.sleep(ms)),
    async stop() {
      // bounded: on a wedged test server (temporalio/sdk-java#2391) the worker may never drain
      const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 30_000).unref())]);
      await bounded(guard(() => recordHistories(env.client, [...started])));
      worker.shutdown();
      await bounded(running.catch(() => undefined));
      if (runFailure) console.log(`[time-skipping] the worker ended with: ${String(runFailure)}`);
      // what is still pending (a skip on a wedged server) ends as CANCELLED before the channel closes
      inFlight.abort();
      await new Promise((r) => setTimeout(r, 200));
      await database.close();
      await bounded(env.teardown());
    },
  };
}

export type TimeSkipping = Awaited<ReturnType<typeof startTimeSkipping>>;
