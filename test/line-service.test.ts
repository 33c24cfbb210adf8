/** The pure rules of lines in service (domain/line-service.ts): tier fallback, coverage after a close, clean probes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coverageWithout, orderForTier, probesClean, reopensByItself, selectable } from '../domain/line-service';

const line = (id: string, tier: string, state = 'active', closedBy: string | null = null) => ({ id, tier, state, closedBy });

describe('lines in service', () => {
  test('a tier’s calls try that tier, the tiers below, then the ones above', () => {
    const ls = [line('p', 'premium'), line('s', 'standard'), line('b', 'backup')];
    assert.deepEqual(orderForTier(ls, 'standard').map((l) => l.id), ['s', 'b', 'p']);
    assert.deepEqual(orderForTier(ls, 'premium').map((l) => l.id), ['p', 's', 'b']);
    assert.deepEqual(orderForTier(ls, 'backup').map((l) => l.id), ['b', 'p', 's']);
  });

  test('closing the only line of a tier empties it and names where its calls go; the last line in service is seen', () => {
    const ls = [line('p', 'premium'), line('s', 'standard'), line('b', 'backup', 'failed', 'failover')];
    assert.deepEqual(coverageWithout(ls, 's', 'standard'), { lastInService: false, tierEmpty: true, trafficTo: ls[0] });
    const two = [line('s1', 'standard'), line('s2', 'standard'), line('p', 'premium', 'closed', 'admin')];
    assert.equal(coverageWithout(two, 's1', 'standard').tierEmpty, false);
    assert.equal(coverageWithout([line('s', 'standard'), line('p', 'premium', 'closed', 'routine')], 's', 'standard').lastInService, true);
  });

  test('who closed it decides whether it comes back by itself and is still selectable', () => {
    assert.equal(reopensByItself(line('a', 'standard', 'closed', 'routine')), true);
    assert.equal(reopensByItself(line('a', 'standard', 'failed', 'failover')), true);
    assert.equal(reopensByItself(line('a', 'standard', 'closed', 'admin')), false);
    assert.equal(reopensByItself(line('a', 'standard', 'closed', null)), false);
    assert.equal(selectable(line('a', 'standard', 'closed', 'routine')), true);
    assert.equal(selectable(line('a', 'standard', 'closed', 'admin')), false);
    assert.equal(selectable(line('a', 'standard', 'failed', 'failover')), true);
  });

  test('probes: failover needs no carrier failure; the routine’s close also needs every valid call delivered', () => {
    assert.equal(probesClean('failover', { calls: 3, failures: 0, delivered: 1, invalid: 0 }, 3), true);
    assert.equal(probesClean('routine', { calls: 3, failures: 0, delivered: 1, invalid: 0 }, 3), false);
    assert.equal(probesClean('routine', { calls: 3, failures: 0, delivered: 2, invalid: 1 }, 3), true);
    assert.equal(probesClean('routine', { calls: 2, failures: 0, delivered: 2, invalid: 0 }, 3), false);
    assert.equal(probesClean('failover', { calls: 3, failures: 1, delivered: 2, invalid: 0 }, 3), false);
  });
});
