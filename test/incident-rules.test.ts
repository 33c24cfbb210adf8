/**
 * The diagnosis rules, pure: what a failed call means (the carrier's fault or the callee's side),
 * and when the carrier's interface is failing — fast when every line refuses every request, never
 * for one bad line (failover's job).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { carrierInterfaceFailing, defaultIncidentPolicy } from '../domain/incident';
import { isSynthetic, SELF_CHECK_CAMPAIGN, STRESS_CAMPAIGN } from '../domain/maintenance';
import { outcomeOf } from '../domain/outcomes';

const p = defaultIncidentPolicy;

describe('diagnosis rules', () => {
  test('a failed call is the carrier’s fault only for SIP 5xx, timeouts and no answer at all; SIP 480 is the callee’s side', () => {
    assert.equal(outcomeOf('failed', null, 503, null), 'carrier-failure');
    assert.equal(outcomeOf('failed', null, 408, null), 'carrier-failure');
    assert.equal(outcomeOf('failed', null, null, null), 'carrier-failure');
    assert.equal(outcomeOf('failed', null, 404, null), 'invalid');
    assert.equal(outcomeOf('failed', null, 480, null), 'no-answer');
  });

  test('the usual rule: at least minCalls creates in the window, and the failure share at the threshold', () => {
    assert.equal(carrierInterfaceFailing({ tried: 20, failed: 10, failedLines: 1, openLines: 3 }, p), true);
    assert.equal(carrierInterfaceFailing({ tried: 20, failed: 9, failedLines: 3, openLines: 3 }, p), false);
    assert.equal(carrierInterfaceFailing({ tried: 19, failed: 19, failedLines: 1, openLines: 3 }, p), false, 'one line failing is failover’s job');
  });

  test('an all-lines outage trips on a few creates: every one failed, on more than one line (or the only line)', () => {
    assert.equal(carrierInterfaceFailing({ tried: 5, failed: 5, failedLines: 3, openLines: 3 }, p), true);
    assert.equal(carrierInterfaceFailing({ tried: 5, failed: 5, failedLines: 2, openLines: 3 }, p), true);
    assert.equal(carrierInterfaceFailing({ tried: 5, failed: 5, failedLines: 1, openLines: 1 }, p), true);
    assert.equal(carrierInterfaceFailing({ tried: 6, failed: 5, failedLines: 3, openLines: 3 }, p), false, 'a create went through: not every line is down');
    assert.equal(carrierInterfaceFailing({ tried: 4, failed: 4, failedLines: 3, openLines: 3 }, p), false, 'too few to say');
    assert.equal(carrierInterfaceFailing({ tried: 0, failed: 0, failedLines: 0, openLines: 0 }, p), false);
  });

  test('synthetic traffic is Redial’s own: the self-check and the stress test', () => {
    assert.equal(isSynthetic(SELF_CHECK_CAMPAIGN), true);
    assert.equal(isSynthetic(STRESS_CAMPAIGN), true);
    assert.equal(isSynthetic('default'), false);
  });
});
