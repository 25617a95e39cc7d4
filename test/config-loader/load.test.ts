import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatonError, ConfigError, ErrorCode } from '../../src/errors.ts';
import { loadPipeline } from '../../src/config-loader/load.ts';
import { fakeAdapters } from './fake-adapters.ts';
import { FILE, parse, yaml } from './parse-helpers.ts';

const FULL_CONFIG = yaml(
  'version: 1',
  'groups:',
  '  release-managers: [alice, bob]',
  'releases: ../shared/releases',
  'environments:',
  '  - name: dev',
  '  - name: staging',
  '    channel: "#deploys"',
  '    requires: [dev]',
  '    soak: 1h30m',
  '    approvals: { required: 2, from: ["@release-managers", carol], allowSelfApproval: true }',
  '    windows: ["Mon-Thu 09:00-16:00 Europe/Berlin", "Sat 22:00-02:00 UTC"]',
  '    requesters: ["@release-managers", dave]',
  'components:',
  '  iam:',
  '    adapter: script',
  '    with: { apply: ["tofu apply -var env=${env}"] }',
  '    outputs: [queue_url, role_arn]',
  '    timeout: 10m',
  '    retries: 2',
  '  api:',
  '    adapter: noop',
  '    needs: [iam]',
  '  worker:',
  '    adapter: script',
  '    needs: [iam]',
  '    with:',
  '      apply: ["deploy --queue ${iam.outputs.queue_url} --token ${secret:DEPLOY_TOKEN}"]',
);

describe('parsePipeline with a valid config', () => {
  const pipeline = parse(FULL_CONFIG);

  it('keeps the file path as given and resolves the releases folder from the config folder', () => {
    expect(pipeline.source).toBe(FILE);
    expect(pipeline.releasesDir).toBe(resolve('../shared/releases'));
  });

  it('maps groups', () => {
    expect(pipeline.groups).toEqual({ 'release-managers': ['alice', 'bob'] });
  });

  it('fills in the defaults of an environment that sets nothing but its name', () => {
    expect(pipeline.environments[0]).toEqual({
      name: 'dev',
      channel: '#baton',
      requires: [],
      soakMs: 0,
      approvals: { required: 0, from: [], allowSelfApproval: false },
      windows: [],
      requesters: [],
      rollback: { people: 'anyone', origin: 'default' },
      freeze: { people: 'anyone', origin: 'default' },
      override: { people: [], origin: 'default' },
    });
  });

  it('maps every setting of an environment, parsing soak and windows', () => {
    expect(pipeline.environments[1]).toEqual({
      name: 'staging',
      channel: '#deploys',
      requires: ['dev'],
      soakMs: 5_400_000,
      approvals: { required: 2, from: ['@release-managers', 'carol'], allowSelfApproval: true },
      windows: [
        {
          text: 'Mon-Thu 09:00-16:00 Europe/Berlin',
          days: [1, 2, 3, 4],
          startMinute: 540,
          endMinute: 960,
          timeZone: 'Europe/Berlin',
        },
        { text: 'Sat 22:00-02:00 UTC', days: [6], startMinute: 1320, endMinute: 120, timeZone: 'UTC' },
      ],
      requesters: ['@release-managers', 'dave'],
      rollback: { people: ['@release-managers', 'dave', 'carol'], origin: 'default' },
      freeze: { people: ['@release-managers', 'carol'], origin: 'default' },
      override: { people: [], origin: 'default' },
    });
  });

  it('maps components in file order, with timeoutMs and retries only when given', () => {
    expect(pipeline.components.map((component) => component.name)).toEqual(['iam', 'api', 'worker']);
    expect(pipeline.components[0]).toEqual({
      name: 'iam',
      adapter: 'script',
      with: { apply: ['tofu apply -var env=${env}'] },
      needs: [],
      outputs: ['queue_url', 'role_arn'],
      timeoutMs: 600_000,
      retries: 2,
    });
    expect(pipeline.components[1]).toEqual({ name: 'api', adapter: 'noop', with: {}, needs: ['iam'], outputs: [] });
  });

  it('leaves placeholders, secrets included, unresolved in `with`', () => {
    expect(pipeline.components[2]?.with).toEqual({
      apply: ['deploy --queue ${iam.outputs.queue_url} --token ${secret:DEPLOY_TOKEN}'],
    });
  });

  it('defaults the releases folder to releases/ beside the config file', () => {
    const minimal = yaml('version: 1', 'environments:', '  - name: dev', 'components:', '  api: { adapter: noop }');
    expect(parse(minimal).releasesDir).toBe(resolve('releases'));
  });

  it('reads YAML merge keys', () => {
    const merged = yaml(
      'version: 1',
      'environments:',
      '  - &base { name: dev, channel: "#ops" }',
      '  - { <<: *base, name: prod }',
      'components:',
      '  api: { adapter: noop }',
    );
    expect(parse(merged).environments.map(({ name, channel }) => [name, channel])).toEqual([
      ['dev', '#ops'],
      ['prod', '#ops'],
    ]);
  });
});

describe('loadPipeline', () => {
  it('reads the file and resolves the releases folder next to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-pipeline-'));
    const file = join(dir, 'baton.yaml');
    await writeFile(file, FULL_CONFIG);
    const pipeline = await loadPipeline(file, { adapters: fakeAdapters });
    expect(pipeline.source).toBe(file);
    expect(pipeline.releasesDir).toBe(resolve(dir, '../shared/releases'));
  });

  it('reports problems with the file path as given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-pipeline-'));
    const file = join(dir, 'baton.yaml');
    await writeFile(file, 'version: 2\n');
    const error = await loadPipeline(file, { adapters: fakeAdapters }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      `${file}:1:10: version: expected 1, the only config version, got 2`,
    );
  });

  it('says which file is missing and how to fix it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-pipeline-'));
    const file = join(dir, 'missing.yaml');
    const error = await loadPipeline(file, { adapters: fakeAdapters }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).code).toBe(ErrorCode.ConfigNotFound);
    expect((error as BatonError).message).toBe(
      `No config file at ${file}: create it (config/baton.example.yaml in Baton is a starting point) or give the path of an existing one.`,
    );
  });
});
