/**
 * The shape of the config file. Durations, windows and cross-references are
 * checked after the shape (see environments.ts, components.ts), so that one
 * bad value does not hide the rest of its environment or component.
 */
import { z } from 'zod';
import { expecting } from './describe-value.ts';
import { DURATION_FORM } from '../durations.ts';
import { WINDOW_FORM } from './window-syntax.ts';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const OUTPUT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const USER_PATTERN = /^[^@\s]\S*$/;
const USER_OR_GROUP_PATTERN = /^(?:@[a-z0-9][a-z0-9-]*|[^@\s]\S*)$/;
const NAME_RULE = 'lowercase letters, digits and "-"';

const environmentName = z.string(expecting(`an environment name of ${NAME_RULE}`)).regex(NAME_PATTERN);
const componentName = z.string(expecting(`a component name of ${NAME_RULE}`)).regex(NAME_PATTERN);
const groupName = z.string(expecting(`a group name of ${NAME_RULE}`)).regex(NAME_PATTERN);
/** YAML reads a Discord id unquoted as a number, and rounds it: the message says to quote it. */
const QUOTE_IDS = 'quote numeric ids such as Discord\'s: "112233445566778899"';
const userId = z.string(expecting(`a user id without spaces or "@" (${QUOTE_IDS})`)).regex(USER_PATTERN);
const duration = z.string(expecting(`a duration: ${DURATION_FORM}`)).meta({ examples: ['45s', '30m', '1h30m', '2d'] });

/** A group is a list of user ids, or a group the chat platform keeps, looked up (and cached) when someone clicks. */
const groupMembersSchema = z.union(
  [
    z.array(userId, expecting('a list of user ids')),
    z.strictObject(
      {
        usergroup: z
          .string(expecting('the handle (release-managers) or id (S0123ABCD) of a Slack user group'))
          .min(1)
          .meta({
            description: 'A Slack user group, by handle or id; its members are looked up with usergroups.users.list.',
          }),
      },
      expecting('a mapping with usergroup'),
    ),
    z.strictObject(
      {
        role: z.string(expecting('the name (release-managers) or id of a Discord role')).min(1).meta({
          description:
            "A Discord role of the server DISCORD_GUILD_ID names, by name or id; its members are looked up through the server's member list.",
        }),
      },
      expecting('a mapping with role'),
    ),
  ],
  expecting('a list of user ids, { usergroup: <handle or id> } or { role: <name or id> }'),
);

const people = z
  .array(
    z.string(expecting(`a user id or an "@group" defined under groups: (${QUOTE_IDS})`)).regex(USER_OR_GROUP_PATTERN),
    expecting('a list of user ids and "@group" names'),
  )
  .meta({ description: 'User ids and "@group" names; empty means anyone.' });

/** The same lists for the rules that came later, where nobody named means nobody: an empty list must not open a door. */
const namedPeople = z.array(
  z.string(expecting(`a user id or an "@group" defined under groups: (${QUOTE_IDS})`)).regex(USER_OR_GROUP_PATTERN),
  expecting('a list of user ids and "@group" names'),
);

const approvalsSchema = z.strictObject(
  {
    required: z.number(expecting('a whole number of approvals, 0 or more')).int().min(0).default(0),
    from: people.default([]),
    allowSelfApproval: z.boolean(expecting('true or false')).default(false),
  },
  expecting('a mapping with required, from and allowSelfApproval'),
);

export const environmentSchema = z.strictObject(
  {
    name: environmentName,
    channel: z.string(expecting('a chat channel such as "#deploys"')).min(1).default('#baton'),
    requires: z
      .array(environmentName, expecting('a list of environment names'))
      .default([])
      .meta({ description: 'Environments where the release must have succeeded first.' }),
    soak: duration.optional().meta({ description: 'How long the release must have run in each required environment.' }),
    approvals: approvalsSchema.default({ required: 0, from: [], allowSelfApproval: false }),
    windows: z
      .array(z.string(expecting(`a window ${WINDOW_FORM}`)), expecting(`a list of windows such as ${WINDOW_FORM}`))
      .default([])
      .meta({ description: `When promotions may start, each ${WINDOW_FORM}; empty means any time.` }),
    requesters: people.default([]).meta({ description: 'Who may request a promotion here; empty means anyone.' }),
    rollback: namedPeople.optional().meta({
      description:
        'Who may roll back promotions here; empty means nobody. Default: its requesters and approvers (anyone where neither is listed).',
    }),
    freeze: namedPeople.optional().meta({
      description:
        'Who may freeze and unfreeze it; empty means nobody. Default: its approvers (anyone where approvals.from lists nobody).',
    }),
    override: namedPeople.optional().meta({
      description:
        'Who may promote here past a freeze or outside its windows, with a reason that is posted in the channel; empty means nobody. Default: nobody.',
    }),
    drift: z
      .strictObject(
        { every: duration.meta({ description: 'How often, at least 1m.' }) },
        expecting('a mapping with every, e.g. { every: 1h }'),
      )
      .optional()
      .meta({
        description:
          'Check every so often what the targets run against what Baton promoted, and post in the channel when drift appears or clears.',
      }),
  },
  expecting(
    'an environment: a mapping with name and optionally channel, requires, soak, approvals, windows, requesters, rollback, freeze, override, drift',
  ),
);

export const componentSchema = z.strictObject(
  {
    adapter: z.string(expecting('an adapter kind such as "terraform"')).min(1),
    with: z.record(z.string(), z.unknown(), expecting("a mapping of the adapter's settings")).default({}).meta({
      description: 'Adapter settings; strings may use ${env}, ${version}, ${secret:NAME}, ${other.outputs.name}.',
    }),
    needs: z.array(componentName, expecting('a list of component names')).default([]),
    outputs: z
      .array(
        z.string(expecting('an output name of letters, digits, "_" and "-"')).regex(OUTPUT_NAME_PATTERN),
        expecting('a list of output names'),
      )
      .default([]),
    timeout: duration.optional().meta({ description: "Overrides the adapter's step timeout." }),
    retries: z
      .number(expecting('a whole number from 0 to 10'))
      .int()
      .min(0)
      .max(10)
      .optional()
      .meta({ description: "Overrides the adapter's retry count." }),
  },
  expecting('a component: a mapping with adapter and optionally with, needs, outputs, timeout, retries'),
);

export const pipelineSchema = z
  .strictObject(
    {
      version: z.literal(1, expecting('1, the only config version')),
      groups: z
        .record(
          groupName,
          groupMembersSchema,
          expecting('a mapping of group names to user ids or to a chat user group'),
        )
        .default({}),
      releases: z
        .string(expecting('a folder path'))
        .min(1)
        .optional()
        .meta({ description: 'Folder of named release files, relative to this file; default "releases".' }),
      retention: z
        .strictObject(
          {
            keep: duration.meta({
              description: 'How long finished promotions stay in the store, at least 1d, e.g. 400d.',
            }),
            every: duration.optional().meta({
              description: 'How often finished promotions older than that are archived, at least 1m; default 1d.',
            }),
            to: z.string(expecting('a folder path')).min(1).optional().meta({
              description:
                'Folder the evidence bundles are written to, relative to this file; default: evidence-archive in the data folder.',
            }),
          },
          expecting('a mapping with keep and optionally every and to, e.g. { keep: 400d }'),
        )
        .optional()
        .meta({
          description:
            'Archive finished promotions older than `keep` as signed evidence bundles, leaving in the store only where each went.',
        }),
      environments: z.array(environmentSchema, expecting('a list of at least one environment')).min(1),
      components: z
        .record(componentName, componentSchema, expecting('a mapping of component names to components'))
        .refine((components) => Object.keys(components).length > 0, expecting('at least one component'))
        .meta({ minProperties: 1 }),
    },
    expecting('a mapping with version, environments and components'),
  )
  .meta({ title: 'Baton pipeline', description: 'Environments and components Baton promotes releases through.' });

export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type ComponentConfig = z.output<typeof componentSchema>;
export type PipelineConfig = z.output<typeof pipelineSchema>;
export type GroupsConfig = PipelineConfig['groups'];
