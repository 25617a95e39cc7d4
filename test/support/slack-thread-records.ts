/**
 * Reads a promotion's Slack thread as the audit records it shows: every reply
 * ends each record it carries with a context line `actor · at · #seq`.
 */
import type { PostedMessage } from '../harness/slack/messages.ts';

interface SlackBlock {
  type?: string;
  elements?: Array<{ text?: string }>;
}

/** The sequence numbers of the audit records in a thread, in the order a reader sees them. */
export function threadSequence(root: PostedMessage): number[] {
  return root.replies.flatMap((reply) =>
    (reply.blocks as SlackBlock[])
      .filter((block) => block.type === 'context')
      .flatMap((block) => block.elements ?? [])
      .flatMap((element) => {
        const seq = / · #(\d+)$/.exec(element.text ?? '')?.[1];
        return seq === undefined ? [] : [Number(seq)];
      }),
  );
}

/** The promotion a root message is about, from its `Promotion #<id>:` header. */
export function promotionIdOf(root: PostedMessage): string | undefined {
  return /Promotion #(\d+):/.exec(root.text)?.[1];
}
