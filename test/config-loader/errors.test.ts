import { describe, expect, it } from 'vitest';
import { dirname, resolve } from 'node:path';
import { FILE, parse, problemsIn, yaml } from './parse-helpers.ts';

const HEAD = ['version: 1', 'environments:', '  - name: dev'];

describe('YAML problems', () => {
  it('reports a syntax error where the yaml parser found it', () => {
    expect(problemsIn(yaml('version: 1', 'environments: [dev', 'components: {}'))).toEqual([
      'pipeline.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('reports a duplicate key at its second occurrence, and still checks the rest', () => {
    expect(
      problemsIn(yaml(...HEAD, '    channel: "#a"', '    channel: "#b"', 'components:', '  api: { adapter: helm }')),
    ).toEqual([
      'pipeline.yaml:5:5: duplicate key "channel": a key may appear only once in a mapping',
      'pipeline.yaml:7:19: unknown adapter "helm": expected one of script, noop, http',
    ]);
  });

  it('reports an empty file', () => {
    expect(problemsIn('')).toEqual([
      'pipeline.yaml:1:1: expected a mapping with version, environments and components, got an empty value',
    ]);
  });
});

describe('shape problems', () => {
  it('names an unknown key at the key and suggests the closest known one', () => {
    expect(
      problemsIn(yaml(...HEAD, '    aprovals: { required: 1 }', 'components:', '  api: { adapter: noop }')),
    ).toEqual([
      'pipeline.yaml:4:5: unknown key "aprovals": did you mean "approvals"? (expected one of name, channel, requires, soak, approvals, windows, requesters, rollback, freeze, override, drift)',
    ]);
  });

  it('lists the known keys when nothing is close', () => {
    expect(
      problemsIn(
        yaml('version: 1', 'colour: blue', 'environments:', '  - name: dev', 'components:', '  api: { adapter: noop }'),
      ),
    ).toEqual([
      'pipeline.yaml:2:1: unknown key "colour": expected one of version, groups, releases, retention, environments, components',
    ]);
  });

  it('finds unknown keys inside nested mappings', () => {
    expect(
      problemsIn(yaml(...HEAD, '    approvals: { requierd: 1 }', 'components:', '  api: { adapter: noop }')),
    ).toEqual([
      'pipeline.yaml:4:18: unknown key "requierd": did you mean "required"? (expected one of required, from, allowSelfApproval)',
    ]);
  });

  it('finds a key YAML reads as a number', () => {
    expect(
      problemsIn(
        yaml(...HEAD, 'components:', '  "1": { adapter: noop }', '  2:', '    adapter: noop', '    retires: 1'),
      ),
    ).toEqual([
      'pipeline.yaml:8:5: unknown key "retires": did you mean "retries"? (expected one of adapter, with, needs, outputs, timeout, retries)',
    ]);
  });

  it('names a missing required key at the mapping that lacks it', () => {
    expect(problemsIn(yaml(...HEAD, 'components:', '  api:', '    needs: []'))).toEqual([
      'pipeline.yaml:6:5: missing required key "adapter": expected an adapter kind such as "terraform"',
    ]);
  });

  it('says what type was expected and what was found', () => {
    expect(problemsIn(yaml(...HEAD, 'components:', '  api:', '    adapter: noop', '    retries: many'))).toEqual([
      'pipeline.yaml:7:14: retries: expected a whole number from 0 to 10, got "many"',
    ]);
  });

  it('requires version 1', () => {
    expect(
      problemsIn(yaml('version: 2', 'environments:', '  - name: dev', 'components:', '  api: { adapter: noop }')),
    ).toEqual(['pipeline.yaml:1:10: version: expected 1, the only config version, got 2']);
  });

  it('requires at least one environment and one component', () => {
    expect(problemsIn(yaml('version: 1', 'environments: []', 'components: {}'))).toEqual([
      'pipeline.yaml:2:15: environments: expected a list of at least one environment, got an empty list',
      'pipeline.yaml:3:13: components: expected at least one component, got an empty mapping',
    ]);
  });

  it('checks the syntax of names, pointing at a bad component name as written', () => {
    expect(
      problemsIn(yaml('version: 1', 'environments:', '  - name: Dev', 'components:', '  My_Api: { adapter: noop }')),
    ).toEqual([
      'pipeline.yaml:3:11: name: expected an environment name of lowercase letters, digits and "-", got "Dev"',
      'pipeline.yaml:5:3: expected a component name of lowercase letters, digits and "-", got "My_Api"',
    ]);
  });
});

describe('environment problems', () => {
  it('points at a duplicate environment and says where the first one is', () => {
    expect(
      problemsIn(yaml(...HEAD, '  - name: staging', '  - name: dev', 'components:', '  api: { adapter: noop }')),
    ).toEqual(['pipeline.yaml:5:11: duplicate environment "dev" (first defined at line 3)']);
  });

  it('lists the known environments for an unknown one in requires', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          '  - name: staging',
          '  - name: production',
          '    requires: [stagin, qa]',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:6:16: unknown environment "stagin": did you mean "staging"? (expected one of dev, staging, production)',
      'pipeline.yaml:6:24: unknown environment "qa": expected one of dev, staging, production',
    ]);
  });

  it('rejects an environment that requires itself', () => {
    expect(problemsIn(yaml(...HEAD, '    requires: [dev]', 'components:', '  api: { adapter: noop }'))).toEqual([
      'pipeline.yaml:4:16: environment "dev" requires itself: remove "dev" from its requires',
    ]);
  });

  it('reports a cycle in requires once, with arrows', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          '    requires: [production]',
          '  - name: staging',
          '    requires: [dev]',
          '  - name: production',
          '    requires: [staging]',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual(['pipeline.yaml:4:16: cycle in requires: dev → production → staging → dev']);
  });

  it('rejects soak without requires', () => {
    expect(problemsIn(yaml(...HEAD, '    soak: 30m', 'components:', '  api: { adapter: noop }'))).toEqual([
      'pipeline.yaml:4:11: soak needs requires: soak is how long the release must have run in the required environments; add requires or remove soak',
    ]);
  });

  it('checks drift.every: a duration of at least a minute, in a mapping of every alone', () => {
    expect(
      parse(yaml(...HEAD, '    drift: { every: 1h }', 'components:', '  api: { adapter: noop }')).environments[0]
        ?.driftEveryMs,
    ).toBe(3_600_000);
    expect(problemsIn(yaml(...HEAD, '    drift: { every: 30s }', 'components:', '  api: { adapter: noop }'))).toEqual([
      'pipeline.yaml:4:21: drift.every must be at least 1m: each check asks every target what it runs (got 30s)',
    ]);
    expect(
      problemsIn(yaml(...HEAD, '    drift: { every: hourly }', 'components:', '  api: { adapter: noop }')),
    ).toEqual([
      'pipeline.yaml:4:21: "hourly" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
    ]);
    expect(problemsIn(yaml(...HEAD, '    drift: 1h', 'components:', '  api: { adapter: noop }'))[0]).toContain(
      'expected a mapping with every, e.g. { every: 1h }',
    );
    expect(
      problemsIn(yaml(...HEAD, '    drift: { every: 1h, notify: true }', 'components:', '  api: { adapter: noop }'))[0],
    ).toContain('unknown key "notify"');
  });

  it('checks retention: keep of at least a day, every of at least a minute (a day when left out), the folder relative to the config', () => {
    const tail = ['components:', '  api: { adapter: noop }'];
    expect(
      parse(yaml('version: 1', 'retention: { keep: 400d }', 'environments:', '  - name: dev', ...tail)).retention,
    ).toEqual({ keepMs: 400 * 86_400_000, everyMs: 86_400_000 });
    expect(
      parse(
        yaml(
          'version: 1',
          'retention: { keep: 30d, every: 6h, to: ../evidence }',
          'environments:',
          '  - name: dev',
          ...tail,
        ),
      ).retention,
    ).toEqual({
      keepMs: 30 * 86_400_000,
      everyMs: 6 * 3_600_000,
      folder: resolve(dirname(FILE), '../evidence'),
    });
    expect(
      problemsIn(yaml('version: 1', 'retention: { keep: 12h, every: 10s }', 'environments:', '  - name: dev', ...tail)),
    ).toEqual([
      'pipeline.yaml:2:20: retention.keep must be at least 1d (got 12h)',
      'pipeline.yaml:2:32: retention.every must be at least 1m (got 10s)',
    ]);
    expect(
      problemsIn(yaml('version: 1', 'retention: { every: 1d }', 'environments:', '  - name: dev', ...tail)),
    ).toEqual([
      'pipeline.yaml:2:12: missing required key "keep": expected a duration: a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
    ]);
    expect(
      problemsIn(yaml('version: 1', 'retention: { keep: forever }', 'environments:', '  - name: dev', ...tail)),
    ).toEqual([
      'pipeline.yaml:2:20: "forever" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
    ]);
  });

  it('reports a bad soak duration with the expected form', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          '  - name: prod',
          '    requires: [dev]',
          '    soak: 30 minutes',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:6:11: "30 minutes" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
    ]);
  });

  it('reports bad windows and time zones at the window', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          '    windows:',
          '      - Mon-Thur 09:00-16:00 UTC',
          '      - Mon 09:00-16:00 Europe/Berln',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:5:9: window "Mon-Thur 09:00-16:00 UTC": unknown day "Thur": use Mon, Tue, Wed, Thu, Fri, Sat or Sun, e.g. "Mon-Thu" or "Mon,Wed,Fri"',
      'pipeline.yaml:6:9: window "Mon 09:00-16:00 Europe/Berln": unknown time zone "Europe/Berln": use an IANA zone such as Europe/Berlin, America/New_York or UTC',
    ]);
  });

  it('rejects a negative or fractional number of approvals', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          '    approvals: { required: -1 }',
          '  - name: prod',
          '    approvals: { required: 1.5 }',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:4:28: required: expected a whole number of approvals, 0 or more, got -1',
      'pipeline.yaml:6:28: required: expected a whole number of approvals, 0 or more, got 1.5',
    ]);
  });

  it('rejects more required approvals than people who may approve', () => {
    expect(
      problemsIn(
        yaml(
          'version: 1',
          'groups:',
          '  leads: [alice, bob]',
          'environments:',
          '  - name: prod',
          '    approvals: { required: 3, from: ["@leads", alice] }',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:6:28: approvals.required is 3, but only 2 people may approve (alice, bob): lower required or add people to approvals.from',
    ]);
  });

  it('takes a group linked to a chat user group, whose size is only known when someone clicks', () => {
    const pipeline = parse(
      yaml(
        'version: 1',
        'groups:',
        '  leads: { usergroup: release-managers }',
        'environments:',
        '  - name: prod',
        '    approvals: { required: 3, from: ["@leads"] }',
        'components:',
        '  api: { adapter: noop }',
      ),
    );
    expect(pipeline.linkedGroups).toEqual({ leads: { kind: 'usergroup', ref: 'release-managers' } });
    expect(
      problemsIn(
        yaml(
          'version: 1',
          'groups:',
          '  leads: { usergroup: "" }',
          'environments:',
          '  - name: prod',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toHaveLength(1);
  });

  it('rejects a group that is not defined under groups:, in approvals.from and requesters', () => {
    expect(
      problemsIn(
        yaml(
          'version: 1',
          'groups:',
          '  leads: [alice]',
          'environments:',
          '  - name: prod',
          '    approvals: { required: 1, from: ["@leeds"] }',
          '    requesters: [bob, "@devs"]',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:6:38: unknown group "@leeds": define it under groups:',
      'pipeline.yaml:7:23: unknown group "@devs": define it under groups:',
    ]);
  });
});

describe('permission problems', () => {
  it('checks the groups of rollback, freeze and override like the others', () => {
    expect(
      problemsIn(
        yaml(
          'version: 1',
          'groups:',
          '  leads: [alice]',
          'environments:',
          '  - name: prod',
          '    rollback: ["@leeds"]',
          '    freeze: ["@oncall"]',
          '    override: ["@leads"]',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:6:16: unknown group "@leeds": define it under groups:',
      'pipeline.yaml:7:14: unknown group "@oncall": define it under groups:',
    ]);
  });

  it('says to quote a numeric id, which YAML would read as a number and round', () => {
    expect(
      problemsIn(
        yaml(
          'version: 1',
          'environments:',
          '  - name: prod',
          '    override: [112233445566778899]',
          'components:',
          '  api: { adapter: noop }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:4:16: override[0]: expected a user id or an "@group" defined under groups: (quote numeric ids such as Discord\'s: "112233445566778899"), got 112233445566778900',
    ]);
  });
});

describe('component problems', () => {
  it('lists the known adapter kinds for an unknown one', () => {
    expect(problemsIn(yaml(...HEAD, 'components:', '  api:', '    adapter: scrpt'))).toEqual([
      'pipeline.yaml:6:14: unknown adapter "scrpt": did you mean "script"? (expected one of script, noop, http)',
    ]);
  });

  it("checks `with` against the adapter's schema, with positions inside `with`", () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          'components:',
          '  api:',
          '    adapter: script',
          '    with:',
          '      aply: [deploy]',
          '  db:',
          '    adapter: script',
          '    with: { apply: [] }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:8:7: script: missing required key "apply": Invalid input: expected array, received undefined',
      'pipeline.yaml:8:7: script: unknown key "aply": did you mean "apply"? (expected one of apply)',
      'pipeline.yaml:11:20: script: apply: Too small: expected array to have >=1 items',
    ]);
  });

  it('rejects an unknown component in needs', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          'components:',
          '  schema: { adapter: noop }',
          '  api:',
          '    adapter: noop',
          '    needs: [shema]',
        ),
      ),
    ).toEqual(['pipeline.yaml:8:13: unknown component "shema": did you mean "schema"? (expected one of schema, api)']);
  });

  it('rejects a component that needs itself', () => {
    expect(problemsIn(yaml(...HEAD, 'components:', '  api:', '    adapter: noop', '    needs: [api]'))).toEqual([
      'pipeline.yaml:7:13: api needs itself: remove api from its needs',
    ]);
  });

  it('reports each cycle in needs once, in the order found, with arrows', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          'components:',
          '  api:',
          '    adapter: noop',
          '    needs: [iam, schema]',
          '  schema:',
          '    adapter: noop',
          '    needs: [api, api]',
          '  iam: { adapter: noop, needs: [worker] }',
          '  worker: { adapter: noop, needs: [iam] }',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:7:18: cycle in needs: api → schema → api',
      'pipeline.yaml:11:33: cycle in needs: iam → worker → iam',
    ]);
  });

  it('rejects a bad timeout', () => {
    expect(problemsIn(yaml(...HEAD, 'components:', '  api:', '    adapter: noop', '    timeout: 1x'))).toEqual([
      'pipeline.yaml:7:14: "1x" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
    ]);
  });
});

describe('placeholder problems', () => {
  const components = [
    'components:',
    '  iam:',
    '    adapter: noop',
    '    outputs: [role_arn]',
    '  api:',
    '    adapter: script',
    '    with:',
  ];

  it('reports a placeholder syntax problem at its string', () => {
    expect(problemsIn(yaml(...HEAD, ...components, '      apply: ["deploy ${envv}", "${secret:not-valid}"]'))).toEqual([
      'pipeline.yaml:11:15: unknown placeholder "${envv}": use one of ${env}, ${version}, ${component}, ${promotion}, ${release}, ${previousVersion}, ${secret:NAME} or ${component.outputs.name}',
      'pipeline.yaml:11:33: "${secret:not-valid}" is not a valid secret reference: write ${secret:NAME} with letters, digits and _',
    ]);
  });

  it('requires an output reference to name a component in needs that declares the output', () => {
    expect(
      problemsIn(yaml(...HEAD, ...components, '      apply:', '        - "deploy --queue ${iam.outputs.queue_url}"')),
    ).toEqual([
      `pipeline.yaml:12:11: "\${iam.outputs.queue_url}" refers to iam, which api does not need: add iam to api's needs`,
      `pipeline.yaml:12:11: iam does not declare output "queue_url": add it to iam's outputs (declared: role_arn)`,
    ]);
  });

  it('finds placeholders in nested settings, naming unknown components and self-references', () => {
    expect(
      problemsIn(
        yaml(
          ...HEAD,
          'components:',
          '  iam: { adapter: noop, outputs: [url] }',
          '  api:',
          '    adapter: http',
          '    outputs: [token]',
          '    with:',
          '      url: "https://${iamm.outputs.url}/hook"',
          '      headers:',
          '        Authorization: "Bearer ${api.outputs.token}"',
        ),
      ),
    ).toEqual([
      'pipeline.yaml:10:12: "${iamm.outputs.url}" refers to unknown component "iamm": did you mean "iam"? (expected one of iam, api)',
      'pipeline.yaml:12:24: "${api.outputs.token}" refers to api itself: a component cannot use its own outputs',
    ]);
  });
});
