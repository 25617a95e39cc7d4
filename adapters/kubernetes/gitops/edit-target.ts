/**
 * Where the `edit` setting says the version lives: which file of the
 * environment's folder, and which value in it.
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isMap, isSeq } from 'yaml';
import type { GitopsSettings } from './schema.ts';
import { parseYamlPath, type YamlPath } from './yaml-path.ts';
import { documentAt, parseYamlDocuments, YamlEditError } from './yaml-value.ts';

/** The names kustomize looks for, in its order. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// The OCI distribution spec's grammars for a tag and a digest.
const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
const IMAGE_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export interface EditTarget {
  /** The file, relative to the repository root, with forward slashes. */
  file: string;
  /** "newTag of ghcr.io/acme/api", "image.tag": what the plan and the commit say changed. */
  describe: string;
  /** Finds the value's path in the file's parsed documents. */
  pathIn(source: string): { documentIndex: number; path: YamlPath };
  /** Null when `version` may go in this value; otherwise why it may not. */
  refuse(version: string): string | null;
}

function kustomizeImageTarget(
  settings: GitopsSettings,
  edit: NonNullable<GitopsSettings['edit']['kustomizeImage']>,
  checkoutDir: string,
): EditTarget {
  const folder = settings.path;
  const fileName =
    edit.file ??
    KUSTOMIZATION_FILES.find((name) => existsSync(join(checkoutDir, folder, name))) ??
    KUSTOMIZATION_FILES[0];
  const file = posix.normalize(posix.join(folder, fileName ?? 'kustomization.yaml'));
  return {
    file,
    describe: `${edit.field} of image ${edit.name}`,
    pathIn(source) {
      const document = documentAt(parseYamlDocuments(source, file), 0, file);
      const images = document.get('images', true);
      if (!isSeq(images)) {
        throw new YamlEditError(
          `${file} has no \`images:\` list. Add one with an entry for ${edit.name} ` +
            `(images: [{ name: ${edit.name}, ${edit.field}: … }]) so Baton knows where the version goes.`,
        );
      }
      const names = images.items.map((item) => (isMap(item) ? item.get('name') : undefined));
      const index = names.findIndex((name) => name === edit.name);
      if (index < 0) {
        const found = names.filter((name) => typeof name === 'string').join(', ') || 'none';
        throw new YamlEditError(
          `${file} has no \`images:\` entry named ${edit.name} (found: ${found}). ` +
            `Add { name: ${edit.name}, ${edit.field}: … } to its images, or fix \`edit.kustomizeImage.name\`.`,
        );
      }
      const entry = images.items[index];
      if (isMap(entry) && !entry.has(edit.field)) {
        const other = edit.field === 'newTag' ? 'digest' : 'newTag';
        throw new YamlEditError(
          `The \`images:\` entry for ${edit.name} in ${file} has no \`${edit.field}\`` +
            `${entry.has(other) ? ` (it pins \`${other}\`)` : ''}. Add \`${edit.field}:\` to the entry once by hand, ` +
            `or set \`edit.kustomizeImage.field\` to the field it uses.`,
        );
      }
      return { documentIndex: 0, path: ['images', index, edit.field] };
    },
    refuse(version) {
      if (edit.field === 'digest') {
        return IMAGE_DIGEST.test(version)
          ? null
          : `"${version}" is not an image digest such as sha256:3f1c…; with \`field: digest\` the version promoted must be one`;
      }
      return IMAGE_TAG.test(version)
        ? null
        : `"${version}" is not a valid image tag (letters, digits, _, . and -, at most 128, not starting with . or -)`;
    },
  };
}

function keyTarget(file: string, key: string, documentIndex: number, describe: string): EditTarget {
  const path = parseYamlPath(key);
  return {
    file,
    describe,
    pathIn: () => ({ documentIndex, path }),
    refuse: () => null,
  };
}

function inFolder(settings: GitopsSettings, file: string): string {
  return posix.normalize(posix.join(settings.path, file));
}

function keyInDocument(key: string, document: number): string {
  return document === 0 ? key : `${key} (document ${document})`;
}

export function editTarget(settings: GitopsSettings, checkoutDir: string): EditTarget {
  const { edit } = settings;
  if (edit.kustomizeImage) return kustomizeImageTarget(settings, edit.kustomizeImage, checkoutDir);
  if (edit.helmValues)
    return keyTarget(inFolder(settings, edit.helmValues.file), edit.helmValues.key, 0, edit.helmValues.key);
  if (edit.yaml) {
    const { file, key, document } = edit.yaml;
    return keyTarget(inFolder(settings, file), key, document, keyInDocument(key, document));
  }
  throw new YamlEditError('`edit` gives no value to change: use kustomizeImage, helmValues or yaml.');
}

/** A value Baton writes, and where. */
export interface ValueEdit {
  target: EditTarget;
  value: string;
}

/** The `set` values, in the order they are written in the settings. */
export function setValues(settings: GitopsSettings): ValueEdit[] {
  return settings.set.map(({ file, key, document, value }) => ({
    target: keyTarget(inFolder(settings, file), key, document, keyInDocument(key, document)),
    value,
  }));
}

/** Everything a promotion to `version` writes: the version first, then the `set` values. */
export function promotionEdits(settings: GitopsSettings, checkoutDir: string, version: string): ValueEdit[] {
  return [{ target: editTarget(settings, checkoutDir), value: version }, ...setValues(settings)];
}
