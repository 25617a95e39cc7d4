/**
 * The `with:` block of a `kubernetes` component in gitops mode: which
 * repository, which file, which value, and which controller to wait for.
 */
import { z } from 'zod';
import {
  checkContextHasKubeconfig,
  clusterShape,
  durationSetting,
  nonEmpty,
  pathInRepository,
} from '../settings-parts.ts';
import { isYamlPath } from './yaml-path.ts';

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\s~^:?*[\\]+(?<![/.])(?<!\.lock)$/;

function keyPath(setting: string, example: string) {
  return nonEmpty(setting, example).refine(isYamlPath, {
    message: `\`${setting}\` must be keys separated by dots, with [N] for list items and ["…"] for a key that holds dots, e.g. ${example}`,
  });
}

function documentIndex(setting: string) {
  return z
    .number({ error: `\`${setting}\` must be a number: 0 for the first document of the file` })
    .int(`\`${setting}\` must be a whole number`)
    .min(0, `\`${setting}\` counts from 0`)
    .default(0);
}

function oneMapping<T extends z.ZodRawShape>(setting: string, shape: T, accepted: string) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')} in \`${setting}\`: it accepts ${accepted}`
        : `\`${setting}\` must be a mapping with ${accepted}`,
  });
}

const kustomizeImageEdit = oneMapping(
  'edit.kustomizeImage',
  {
    name: nonEmpty('edit.kustomizeImage.name', 'ghcr.io/acme/api'),
    field: z
      .enum(['newTag', 'digest'], { error: '`edit.kustomizeImage.field` must be newTag or digest' })
      .default('newTag'),
    file: pathInRepository('edit.kustomizeImage.file', 'kustomization.yaml').optional(),
  },
  'name, field and file',
);

const helmValuesEdit = oneMapping(
  'edit.helmValues',
  {
    file: pathInRepository('edit.helmValues.file', 'values.yaml').default('values.yaml'),
    key: keyPath('edit.helmValues.key', 'image.tag').default('image.tag'),
  },
  'file and key',
);

const yamlEdit = oneMapping(
  'edit.yaml',
  {
    file: pathInRepository('edit.yaml.file', 'deployment.yaml'),
    key: keyPath('edit.yaml.key', 'spec.template.metadata.labels.version'),
    document: documentIndex('edit.yaml.document'),
  },
  'file, key and document',
);

const EDIT_KINDS = '`kustomizeImage`, `helmValues` or `yaml`';

const editSetting = z
  .strictObject(
    {
      kustomizeImage: kustomizeImageEdit.optional(),
      helmValues: helmValuesEdit.optional(),
      yaml: yamlEdit.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown edit ${issue.keys.map((key) => `\`${key}\``).join(', ')}: use one of ${EDIT_KINDS}`
          : `\`edit\` is required: say which value holds the version, with one of ${EDIT_KINDS}, e.g. { kustomizeImage: { name: ghcr.io/acme/api } }`,
    },
  )
  .superRefine((edit, ctx) => {
    const chosen = Object.values(edit).filter((value) => value !== undefined).length;
    if (chosen !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          chosen === 0
            ? `\`edit\` is empty: give one of ${EDIT_KINDS}`
            : `\`edit\` must give exactly one of ${EDIT_KINDS}: one component changes one value`,
      });
    }
  });

const SET_EXAMPLE =
  '{ file: serviceaccount.yaml, key: metadata.annotations["eks.amazonaws.com/role-arn"], value: "${iam.outputs.role_arn}" }';

/** Values other than the version that go into the same commit, typically outputs of the steps this one needs. */
const setEntry = oneMapping(
  'set',
  {
    file: pathInRepository('set.file', 'serviceaccount.yaml'),
    key: keyPath('set.key', 'metadata.annotations["eks.amazonaws.com/role-arn"]'),
    value: z.string({
      error: (issue) =>
        issue.input === undefined
          ? `\`set.value\` is required, e.g. "\${iam.outputs.role_arn}"`
          : '`set.value` must be a string: quote numbers and booleans, e.g. "3"',
    }),
    document: documentIndex('set.document'),
  },
  'file, key, value and document',
);

const setList = z
  .array(setEntry, { error: `\`set\` must be a list of values to write beside the version, e.g. [${SET_EXAMPLE}]` })
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const where = `${entry.file} ${entry.key} ${entry.document}`;
      if (seen.has(where)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'key'],
          message: `\`set\` names ${entry.key} in ${entry.file} twice: give each value once`,
        });
      }
      seen.add(where);
    });
  })
  .default([]);

const author = oneMapping(
  'author',
  {
    name: nonEmpty('author.name', 'Baton'),
    email: nonEmpty('author.email', 'baton@acme.example').refine(
      (email) => email.includes('@') && !/[<>\s]/.test(email),
      {
        message: '`author.email` must be an email address, e.g. baton@acme.example',
      },
    ),
  },
  'name and email',
);

const argocd = oneMapping(
  'argocd',
  {
    application: nonEmpty('argocd.application', 'api-production'),
    namespace: nonEmpty('argocd.namespace', 'argocd').default('argocd'),
  },
  'application and namespace',
);

const flux = oneMapping(
  'flux',
  {
    kustomization: nonEmpty('flux.kustomization', 'api'),
    namespace: nonEmpty('flux.namespace', 'flux-system').default('flux-system'),
  },
  'kustomization and namespace',
);

const GITOPS_SETTINGS =
  'mode, repo, branch, path, edit, set, author, commitMessage, argocd, flux, verifyTimeout, kubeconfig and context';

export const gitopsSettingsSchema = z
  .strictObject(
    {
      mode: z.literal('gitops'),
      repo: nonEmpty('repo', '"${secret:GITOPS_REPO}" or https://github.com/acme/deploy.git'),
      branch: nonEmpty('branch', 'main')
        .regex(BRANCH, '`branch` must be a valid git branch name, e.g. main or release/production')
        .default('main'),
      path: pathInRepository('path', 'apps/api/overlays/production').default('.'),
      edit: editSetting,
      set: setList,
      author: author.default({ name: 'Baton', email: 'baton@localhost' }),
      commitMessage: nonEmpty('commitMessage', '"Promote ${component} ${version} to ${env} (${release})"').optional(),
      argocd: argocd.optional(),
      flux: flux.optional(),
      verifyTimeout: durationSetting('verifyTimeout', '10m'),
      ...clusterShape,
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: in gitops mode a kubernetes component accepts ${GITOPS_SETTINGS}`
          : 'a kubernetes component needs a `with:` mapping',
    },
  )
  .superRefine((settings, ctx) => {
    if (settings.argocd !== undefined && settings.flux !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['flux'],
        message: 'give `argocd` or `flux`, not both: Baton waits for the one controller that deploys this path',
      });
    }
    const versionValue = settings.edit.helmValues
      ? { file: settings.edit.helmValues.file, key: settings.edit.helmValues.key, document: 0 }
      : settings.edit.yaml;
    settings.set.forEach((entry, index) => {
      if (
        versionValue &&
        entry.file === versionValue.file &&
        entry.key === versionValue.key &&
        entry.document === versionValue.document
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['set', index, 'key'],
          message: `${entry.key} in ${entry.file} is where \`edit\` puts the version: \`set\` cannot write it too`,
        });
      }
    });
    checkContextHasKubeconfig(settings, [], ctx);
  });

export type GitopsSettings = z.infer<typeof gitopsSettingsSchema>;
