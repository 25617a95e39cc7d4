import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parse, problemsIn, yaml } from './parse-helpers.ts';

const BROKEN = yaml(
  'version: 1', //                                          1
  'groups:', //                                             2
  '  leads: [alice]', //                                    3
  'environments:', //                                       4
  '  - name: dev', //                                       5
  '    chanel: "#dev"', //                                  6
  '    requires: [prod]', //                                7
  '  - name: prod', //                                      8
  '    requires: [dev]', //                                 9
  '    soak: soon', //                                      10
  '    approvals: { required: 1, from: ["@leed"] }', //     11
  'components:', //                                         12
  '  api:', //                                              13
  '    adapter: script', //                                 14
  '    needs: [schema]', //                                 15
  '    retries: 20', //                                     16
  '    with: { apply: ["deploy ${iam.outputs.url}"] }', //  17
  '  schema:', //                                           18
  '    adapter: noop', //                                   19
  '    needs: [api]', //                                    20
  '  iam: { adapter: helm }', //                            21
);

describe('a config with many problems', () => {
  it('reports all of them at once, sorted by position', () => {
    expect(problemsIn(BROKEN)).toEqual([
      'pipeline.yaml:6:5: unknown key "chanel": did you mean "channel"? (expected one of name, channel, requires, soak, approvals, windows, requesters, rollback, freeze, override, drift)',
      'pipeline.yaml:7:16: cycle in requires: dev → prod → dev',
      'pipeline.yaml:10:11: "soon" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d',
      'pipeline.yaml:11:38: unknown group "@leed": define it under groups:',
      'pipeline.yaml:15:13: cycle in needs: api → schema → api',
      'pipeline.yaml:16:14: retries: expected a whole number from 0 to 10, got 20',
      `pipeline.yaml:17:21: "\${iam.outputs.url}" refers to iam, which api does not need: add iam to api's needs`,
      'pipeline.yaml:17:21: iam does not declare output "url": add it to iam\'s outputs (declared: none)',
      'pipeline.yaml:21:19: unknown adapter "helm": expected one of script, noop, http',
    ]);
  });

  it('throws one ConfigError whose message lists every problem', () => {
    let caught: unknown;
    try {
      parse(BROKEN);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { message, issues } = caught as ConfigError;
    expect(issues).toHaveLength(9);
    expect(message.split('\n')[0]).toBe('The config has 9 problems:');
    expect(issues[0]).toEqual({
      position: { file: 'pipeline.yaml', line: 6, col: 5 },
      message:
        'unknown key "chanel": did you mean "channel"? (expected one of name, channel, requires, soak, approvals, windows, requesters, rollback, freeze, override, drift)',
    });
  });
});
