/**
 * The command the console offers a newcomer in its input: one that works on
 * the pipeline loaded, so the first thing typed is not an error.
 */
import type { Pipeline } from '../../core/model.ts';
import { releaseFileNames } from '../../config-loader/releases.ts';

/** A release file into the first environment (which requires nothing before it); help when there is no release file to name. */
export async function exampleCommand(pipeline: Pipeline): Promise<string> {
  const [release] = await releaseFileNames(pipeline.releasesDir);
  const first = pipeline.environments.find((e) => e.requires.length === 0) ?? pipeline.environments[0];
  if (!release || !first) return '/promote help';
  return `/promote ${release} to ${first.name}`;
}
