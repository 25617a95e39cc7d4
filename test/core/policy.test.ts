import { describe, expect, it } from 'vitest';
import { blockingChecks, checkRequestPolicy, type PolicyFacts } from '../../src/core/policy.ts';
import { parsePipeline } from '../../src/config-loader/load.ts';
import { FakeTarget, fakeLookup } from '../support/fake-adapter.ts';

const pipeline = parsePipeline(
  `
version: 1
groups: { deployers: [alice, bob] }
environments:
  - name: dev
  - name: staging
    requires: [dev]
  - name: production
    requires: [staging]
    soak: 30m
    windows: ["Mon-Thu 09:00-16:00 Europe/Berlin"]
    requesters: ["@deployers", carol]
components:
  api: { adapter: fake }
  worker: { adapter: fake }
`,
  '/p/baton.yaml',
  { adapters: fakeLookup(new FakeTarget()) },
);

// Tuesday 2026-11-24, 10:00 in Berlin (09:00 UTC).
const TUESDAY_10_BERLIN = new Date('2026-11-24T09:00:00Z');

function facts(overrides: Partial<PolicyFacts> & { environment?: PolicyFacts['environment'] }): PolicyFacts {
  return {
    groups: pipeline.groups,
    environment: pipeline.environments[2]!,
    release: { name: 'r', versions: { api: '1.4.2', worker: '1.4.2' } },
    requester: 'alice',
    now: TUESDAY_10_BERLIN,
    freeze: undefined,
    verifiedAt: () => '2026-11-24T07:00:00Z',
    ...overrides,
  };
}

function blockedRules(input: PolicyFacts): string[] {
  return blockingChecks(checkRequestPolicy(input)).map((c) => c.rule);
}

describe('request policy', () => {
  it('lets a release in that meets every rule', () => {
    expect(blockedRules(facts({}))).toEqual([]);
  });

  it('requires the same versions to have succeeded in the earlier environment, naming what is missing', () => {
    const checks = checkRequestPolicy(
      facts({ verifiedAt: (_env, component) => (component === 'api' ? '2026-11-24T07:00:00Z' : undefined) }),
    );
    const requires = checks.find((c) => c.rule === 'requires');
    expect(requires?.passed).toBe(false);
    expect(requires?.message).toBe(
      'production requires the same versions to have succeeded in staging first: worker 1.4.2 has not succeeded in staging. Promote the release to staging first.',
    );
  });

  it('holds a release until it has soaked, and says until when', () => {
    const checks = checkRequestPolicy(facts({ verifiedAt: () => '2026-11-24T08:50:00Z' }));
    const soak = checks.find((c) => c.rule === 'soak');
    expect(soak?.passed).toBe(false);
    expect(soak?.message).toContain('production needs 30m of soak in staging: api 1.4.2 has been in staging for 10m');
    expect(soak?.message).toContain('Try again after 2026-11-24 09:20 UTC.');
    expect(blockedRules(facts({ verifiedAt: () => '2026-11-24T08:30:00Z' }))).toEqual([]);
  });

  it('checks promotion windows in the window’s time zone and names the next opening', () => {
    // 17:30 in Berlin is 16:30 UTC: outside, though 16:00 UTC would look inside to a UTC clock.
    const evening = new Date('2026-11-24T16:30:00Z');
    const windows = checkRequestPolicy(facts({ now: evening })).find((c) => c.rule === 'windows');
    expect(windows?.passed).toBe(false);
    expect(windows?.message).toBe(
      'production accepts promotions only Mon-Thu 09:00-16:00 Europe/Berlin. The next window opens Wed 25 Nov, 09:00 Europe/Berlin.',
    );
    // Friday is outside whatever the hour; the next window is Monday.
    const friday = checkRequestPolicy(facts({ now: new Date('2026-11-27T10:00:00Z') })).find(
      (c) => c.rule === 'windows',
    );
    expect(friday?.message).toContain('The next window opens Mon 30 Nov, 09:00 Europe/Berlin.');
  });

  it('refuses a frozen environment and tells how to lift the freeze', () => {
    const freeze = { environment: 'production', reason: 'year-end', by: 'dana', at: '2026-11-20T00:00:00Z' };
    const check = checkRequestPolicy(facts({ freeze })).find((c) => c.rule === 'freeze');
    expect(check).toEqual({
      rule: 'freeze',
      passed: false,
      message:
        'production is frozen by dana since 2026-11-20 00:00 UTC: "year-end". Lift it with /promote unfreeze production.',
    });
  });

  it('lets only the listed people and groups request', () => {
    expect(blockedRules(facts({ requester: 'carol' }))).toEqual([]);
    const check = checkRequestPolicy(facts({ requester: 'mallory' })).find((c) => c.rule === 'requesters');
    expect(check?.message).toBe(
      "mallory can't request promotions to production: only @deployers or carol may (rule requesters of production). Ask one of them.",
    );
  });

  it('has nothing to say about rules an environment does not use', () => {
    expect(checkRequestPolicy(facts({ environment: pipeline.environments[0]! })).map((c) => c.rule)).toEqual([
      'freeze',
      'requesters',
    ]);
  });
});
