/**
 * The small pieces the kubernetes adapter is built from, on the edge cases
 * the end-to-end tests do not reach: YAML styles, repository addresses,
 * image references, rollout judgements, Flux revisions, the repository lock.
 */
import { describe, expect, it } from 'vitest';
import { imageFor, parseImage, versionOf } from '../../../adapters/kubernetes/direct/image-reference.ts';
import { rolloutVerdict } from '../../../adapters/kubernetes/direct/rollout-status.ts';
import {
  isRemoteAddress,
  repositoryKey,
  withoutCredentials,
  workingCopyFolderName,
} from '../../../adapters/kubernetes/gitops/repository-address.ts';
import { withRepositoryLock } from '../../../adapters/kubernetes/gitops/repository-lock.ts';
import { formatYamlPath, parseYamlPath } from '../../../adapters/kubernetes/gitops/yaml-path.ts';
import {
  documentAt,
  locateValue,
  parseYamlDocuments,
  replaceValue,
} from '../../../adapters/kubernetes/gitops/yaml-value.ts';
import { judgeArgoApplication } from '../../../adapters/kubernetes/verify/argocd.ts';
import { fluxCommit } from '../../../adapters/kubernetes/verify/flux.ts';

function edit(source: string, key: string, version: string, document = 0): { before: string | null; after: string } {
  const located = locateValue(
    source,
    documentAt(parseYamlDocuments(source, 'f.yaml'), document, 'f.yaml'),
    parseYamlPath(key),
    'f.yaml',
  );
  return { before: located.value, after: replaceValue(source, located, version) };
}

describe('changing one YAML value in place', () => {
  it.each([
    ['plain stays plain', 'tag', 'tag: 1.0.0 # pinned\n', '2.0.0', 'tag: 2.0.0 # pinned\n'],
    ['a version YAML reads as a number gets quotes', 'tag', 'tag: 1.0.0\n', '1.10', 'tag: "1.10"\n'],
    ['a version YAML 1.1 reads as a boolean gets quotes', 'tag', 'tag: v1\n', 'yes', 'tag: "yes"\n'],
    ['single quotes stay single', 'tag', "tag: '1.0'\n", "it's", "tag: 'it''s'\n"],
    ['double quotes stay double', 'tag', 'tag: "1.0"\n', '2.0', 'tag: "2.0"\n'],
    [
      'inside a flow mapping',
      'image.tag',
      'image: {repository: api, tag: 1.0.0}\n',
      '2.0.0',
      'image: {repository: api, tag: 2.0.0}\n',
    ],
    ['an empty value gets one', 'tag', 'tag:\nnext: 1\n', '2.0.0', 'tag: 2.0.0\nnext: 1\n'],
    ['a null value gets one', 'tag', 'tag: ~\n', '2.0.0', 'tag: 2.0.0\n'],
    ['a block scalar becomes one line', 'tag', 'tag: |\n  1.0.0\nnext: 1\n', '2.0.0', 'tag: 2.0.0\nnext: 1\n'],
    ['CRLF line ends stay', 'tag', 'a: 1\r\ntag: 1.0.0\r\n', '2.0.0', 'a: 1\r\ntag: 2.0.0\r\n'],
  ])('%s', (_name, key, source, version, expected) => {
    expect(edit(source, key, version).after).toBe(expected);
  });

  it('reads the value as written, and empty as no version', () => {
    expect(edit('tag: 1.10\n', 'tag', 'x').before).toBe('1.10');
    expect(edit('tag:\n', 'tag', 'x').before).toBeNull();
    expect(edit('tag: |\n  1.0.0\n', 'tag', 'x').before).toBe('1.0.0');
  });

  it('finds list items and later documents', () => {
    const source = 'kind: A\n---\nitems:\n  - name: a\n    version: 1\n  - name: b\n    version: 2 # here\n';
    expect(edit(source, 'items[1].version', '3', 1)).toEqual({
      before: '2',
      after: source.replace('version: 2 # here', 'version: "3" # here'),
    });
  });

  it('refuses what it cannot change in place, saying why', () => {
    expect(() => edit('a: &v 1.0.0\ntag: *v\n', 'tag', '2')).toThrow(
      'f.yaml: tag is an alias (*v); Baton only changes a value written in place.',
    );
    expect(() => edit('image:\n  tag: {a: 1}\n', 'image.tag', '2')).toThrow(
      'f.yaml: image.tag is not a single value (keys there: a)',
    );
    expect(() => edit('image:\n  repository: x\n', 'image.tag', '2')).toThrow(
      'f.yaml has no image.tag (keys there: repository at image)',
    );
    expect(() => edit('a: 1\n', 'a', '2', 3)).toThrow(
      'f.yaml has 1 YAML document; document 3 (counting from 0) does not exist',
    );
  });

  it('parses and prints key paths', () => {
    expect(parseYamlPath('spec.containers[0].image')).toEqual(['spec', 'containers', 0, 'image']);
    expect(formatYamlPath(['spec', 'containers', 0, 'image'])).toBe('spec.containers[0].image');
    expect(() => parseYamlPath('a..b')).toThrow('is not a key path');
    expect(() => parseYamlPath('a[x]')).toThrow('is not a key path');
  });

  it('reads a key that holds dots from ["…"], and prints it back the same way', () => {
    const annotation = ['metadata', 'annotations', 'eks.amazonaws.com/role-arn'];
    expect(parseYamlPath('metadata.annotations["eks.amazonaws.com/role-arn"]')).toEqual(annotation);
    expect(formatYamlPath(annotation)).toBe('metadata.annotations["eks.amazonaws.com/role-arn"]');
    expect(parseYamlPath('["a.b"][0]["say \\"hi\\""]')).toEqual(['a.b', 0, 'say "hi"']);
    expect(() => parseYamlPath('a.["b"]')).toThrow('is not a key path');
    expect(() => parseYamlPath('a["b"')).toThrow('is not a key path');
    expect(
      edit('metadata:\n  annotations:\n    example.com/x: old\n', 'metadata.annotations["example.com/x"]', 'new').after,
    ).toBe('metadata:\n  annotations:\n    example.com/x: new\n');
  });
});

describe('repository addresses', () => {
  it('tells URLs and scp-like addresses from local paths', () => {
    expect(isRemoteAddress('https://github.com/acme/deploy.git')).toBe(true);
    expect(isRemoteAddress('git@github.com:acme/deploy.git')).toBe(true);
    expect(isRemoteAddress('ssh://git@github.com/acme/deploy.git')).toBe(true);
    expect(isRemoteAddress('/srv/git/deploy.git')).toBe(false);
    expect(isRemoteAddress('deploy/config')).toBe(false);
  });

  it('drops credentials from every URL in a text', () => {
    expect(
      withoutCredentials("fatal: unable to access 'https://x-access-token:ghp_abc@github.com/acme/deploy.git/': 403"),
    ).toBe("fatal: unable to access 'https://github.com/acme/deploy.git/': 403");
  });

  it('keys the working copy by the repository, not by its token', () => {
    const before = 'https://baton:old-token@github.com/acme/deploy.git';
    const after = 'https://baton:new-token@github.com/acme/deploy';
    expect(repositoryKey(before)).toBe('https://github.com/acme/deploy');
    expect(workingCopyFolderName(before)).toBe(workingCopyFolderName(after));
    expect(workingCopyFolderName(before)).not.toContain('token');
  });
});

describe('the repository lock', () => {
  it('runs one holder at a time, in order', async () => {
    const events: string[] = [];
    const signal = new AbortController().signal;
    const hold = (name: string, ms: number) =>
      withRepositoryLock('repo', signal, async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${name} out`);
      });
    await Promise.all([hold('a', 30), hold('b', 1), hold('c', 1)]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('stops waiting when the step is stopped, without breaking the order for others', async () => {
    const events: string[] = [];
    let release!: () => void;
    const first = withRepositoryLock(
      'repo',
      new AbortController().signal,
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const controller = new AbortController();
    const stopped = withRepositoryLock('repo', controller.signal, async () => events.push('stopped one ran'));
    const third = withRepositoryLock('repo', new AbortController().signal, async () => events.push('third ran'));
    controller.abort(new Error('cancelled'));
    await expect(stopped).rejects.toThrow('cancelled');
    expect(events).toEqual([]);
    release();
    await first;
    await third;
    expect(events).toEqual(['third ran']);
  });
});

describe('image references', () => {
  it('splits repository, tag and digest, minding registry ports', () => {
    expect(parseImage('localhost:5000/acme/api:1.2')).toEqual({
      repository: 'localhost:5000/acme/api',
      tag: '1.2',
      digest: null,
    });
    expect(parseImage('localhost:5000/acme/api')).toEqual({
      repository: 'localhost:5000/acme/api',
      tag: null,
      digest: null,
    });
    expect(parseImage(`ghcr.io/acme/api:1.2@sha256:${'d'.repeat(64)}`)).toEqual({
      repository: 'ghcr.io/acme/api',
      tag: '1.2',
      digest: `sha256:${'d'.repeat(64)}`,
    });
  });

  it('runs a version by tag, or by digest when it is one; no tag means latest', () => {
    expect(imageFor('ghcr.io/acme/api', '2.0.0')).toBe('ghcr.io/acme/api:2.0.0');
    expect(imageFor('ghcr.io/acme/api', `sha256:${'e'.repeat(64)}`)).toBe(`ghcr.io/acme/api@sha256:${'e'.repeat(64)}`);
    expect(versionOf('ghcr.io/acme/api')).toBe('latest');
  });
});

describe('rollout judgements', () => {
  it('waits for a Deployment controller to observe the new generation first', () => {
    const deployment = {
      metadata: { generation: 3 },
      spec: { replicas: 1 },
      status: { observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1 },
    };
    expect(rolloutVerdict('Deployment', deployment as never, 'shop/api')).toEqual({
      state: 'waiting',
      message: "waiting for deployment shop/api's new spec to be observed",
    });
  });

  it('does not wait for a paused Deployment', () => {
    const deployment = {
      metadata: { generation: 2 },
      spec: { replicas: 2, paused: true },
      status: { observedGeneration: 2, updatedReplicas: 0, replicas: 2 },
    };
    expect(rolloutVerdict('Deployment', deployment as never, 'shop/api')).toEqual({
      state: 'failed',
      message:
        'deployment shop/api is paused, so its rollout cannot progress (deployment shop/api: 0 of 2 new replicas updated); resume it with kubectl rollout resume',
    });
  });

  it('counts a partitioned StatefulSet done when the pods above the partition are updated', () => {
    const statefulSet = {
      metadata: { generation: 2 },
      spec: { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      status: {
        observedGeneration: 2,
        readyReplicas: 4,
        updatedReplicas: 2,
        currentRevision: 'a',
        updateRevision: 'b',
      },
    };
    expect(rolloutVerdict('StatefulSet', statefulSet as never, 'shop/db')).toEqual({
      state: 'done',
      message: 'statefulset shop/db: partitioned rollout done, 2 new pods',
    });
  });
});

describe('Flux revisions', () => {
  it('reads the commit from every revision format Flux has used', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567';
    expect(fluxCommit(`main@sha1:${commit}`)).toBe(commit);
    expect(fluxCommit(`main/${commit}`)).toBe(commit);
    expect(fluxCommit(commit)).toBe(commit);
    expect(fluxCommit(undefined)).toBe('');
  });
});

describe('Argo CD judgements', () => {
  const commit = 'a'.repeat(40);
  const reached = async (revision: string): Promise<boolean> => revision === commit;

  it('finds the config repository among the revisions of a multi-source Application', async () => {
    const app = { status: { sync: { status: 'Synced', revisions: ['1.2.3', commit] }, health: { status: 'Healthy' } } };
    expect(await judgeArgoApplication(app, 'api', commit, reached)).toEqual({
      state: 'done',
      message: 'Argo CD application api: Synced, Healthy at aaaaaaa',
    });
  });

  it('does not hold an old Degraded state against the new commit', async () => {
    const app = {
      status: { sync: { status: 'Synced', revision: 'b'.repeat(40) }, health: { status: 'Degraded', message: 'old' } },
    };
    expect((await judgeArgoApplication(app, 'api', commit, reached)).state).toBe('waiting');
  });
});
