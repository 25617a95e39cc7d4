/**
 * Promotion updates on Redis: a compare-and-set of the whole JSON, checked
 * against the last version this process saw, so an update needs no read
 * first, together with the records of the promotion's audit stream that the
 * changes ask for, chained to the head this process saw last. When another
 * writer got there first the script answers with what is there now, and the
 * changes are applied again to that. The version kept is frozen, so each
 * change gets it without a copy.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { promotionStream } from '../../core/audit.ts';
import { isTerminal, type Promotion } from '../../core/model.ts';
import { KeyedBatches, settle, type Pending } from '../../keyed-batches.ts';
import { applyTransitions, type TransitionChange, type Transitioned } from '../batched-changes.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { AuditChain } from './audit-writer.ts';
import { layoutJson, layoutOf, spliceOf, type Layout } from './promotion-json.ts';
import { RecentValues } from './recent-values.ts';
import { TRANSITION_PROMOTION } from './scripts.ts';
import { verifiedField } from './verified-fields.ts';

export interface PromotionKeys {
  promotion(id: string): string;
  /** What an environment runs, by component. */
  ledger(environment: string): string;
  /** When each version first succeeded in each environment. */
  verified: string;
  /** The set of unfinished promotions. */
  active: string;
  /** A stream's records and its head. */
  audit(stream: string): string;
  auditHead(stream: string): string;
  /** The set of streams with records not posted to chat yet. */
  unposted: string;
}

// Far more than two writers ever race for one promotion; a bound keeps a bug from spinning forever.
const MAX_CAS_ATTEMPTS = 1000;
// Promotions still moving are few (about one per environment); each kept costs tens of kilobytes.
const REMEMBERED_PROMOTIONS = 256;

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * A version of a promotion as stored: either read (its text known) or
 * written by this process (its parts and layout known, its SHA-1 from Redis).
 * What is not known is worked out when first needed.
 */
class Version {
  private parsed: Promotion | undefined;
  private digest: string | undefined;
  private shape: Layout | null | undefined;

  private constructor(private readonly text: string | undefined) {}

  static read(json: string): Version {
    return new Version(json);
  }

  static written(value: Promotion, layout: Layout, sha: string): Version {
    const version = new Version(undefined);
    version.parsed = value;
    version.shape = layout;
    version.digest = sha;
    return version;
  }

  get value(): Promotion {
    this.parsed ??= deepFreeze(JSON.parse(this.text ?? 'null') as Promotion);
    return this.parsed;
  }

  get sha(): string {
    this.digest ??= sha1(this.text ?? '');
    return this.digest;
  }

  /** Where its parts sit in its text; undefined when the text is not laid out as this process would (then the next write sends it whole). */
  get layout(): Layout | undefined {
    if (this.shape === undefined) {
      const layout = layoutOf(this.value);
      this.shape = layoutJson(layout) === this.text ? layout : null;
    }
    return this.shape ?? undefined;
  }
}

export class PromotionWriter {
  private readonly remembered = new RecentValues<Version>(REMEMBERED_PROMOTIONS);
  private readonly batches = new KeyedBatches<TransitionChange, Transitioned>((id, batch) => this.write(id, batch));

  /** `heads`: the last head seen of each audit stream, shared with the audit writer. */
  constructor(
    private readonly redis: Redis,
    private readonly keys: PromotionKeys,
    private readonly heads: RecentValues<string>,
  ) {}

  transition(id: string, change: TransitionChange): Promise<Transitioned> {
    return this.batches.push(id, change);
  }

  /**
   * Notes a promotion's JSON as read or created, so the first update can skip
   * reading it. A version already kept stays: if it is stale, the next update
   * learns the current one from the compare-and-set at no extra cost.
   */
  saw(id: string, json: string): void {
    if (!this.remembered.get(id)) this.remembered.set(id, Version.read(json));
  }

  /** Drops what this process remembers of a promotion that is gone (archived). */
  forget(id: string): void {
    this.remembered.delete(id);
  }

  private async read(id: string): Promise<Version | undefined> {
    const json = await this.redis.get(this.keys.promotion(id));
    if (json === null) return undefined;
    const version = Version.read(json);
    this.remembered.set(id, version);
    return version;
  }

  private async write(id: string, batch: Pending<TransitionChange, Transitioned>[]): Promise<void> {
    const stream = promotionStream(id);
    let base = this.remembered.get(id);
    let head = this.heads.get(stream) ?? '';
    // A value just read is current; one remembered may not be, so even "no change" is checked.
    let confirmed = false;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      if (!base) {
        base = await this.read(id);
        confirmed = true;
      }
      if (!base) {
        for (const entry of batch) entry.reject(new Error(`Promotion #${id} does not exist.`));
        return;
      }
      const chain = new AuditChain(head);
      const { environment } = base.value;
      const { outcomes, written, ledger, verified } = applyTransitions(base.value, chain, batch);
      if (!written && chain.entries.length === 0 && ledger.size === 0 && verified.length === 0 && confirmed)
        return settle(batch, outcomes);
      const layout = written ? layoutOf(written) : undefined;
      const splice = layout ? spliceOf(layout, base.layout) : [];
      const terminal = written !== undefined && isTerminal(written.state);
      const records = chain.entries.length > 0 ? [stream, head, chain.nextHead, ...chain.entries] : [];
      const ledgerArgs = [...ledger].flatMap(([component, entry]) => [component, entry ? JSON.stringify(entry) : '']);
      const verifiedArgs = verified.flatMap((mark) => [
        verifiedField(environment, mark.component, mark.version),
        mark.at,
      ]);
      const reply = (await TRANSITION_PROMOTION.run(
        this.redis,
        [
          this.keys.promotion(id),
          this.keys.active,
          this.keys.unposted,
          this.keys.audit(stream),
          this.keys.auditHead(stream),
          this.keys.ledger(base.value.environment),
          this.keys.verified,
        ],
        [
          base.sha,
          id,
          terminal ? '1' : '0',
          String(layout?.bytes ?? ''),
          String(splice.length),
          ...splice,
          String(ledger.size),
          ...ledgerArgs,
          String(verified.length),
          ...verifiedArgs,
          ...records,
        ],
      )) as [number, string] | null;
      if (reply?.[0] === 1) {
        if (written && layout) this.remembered.set(id, Version.written(written, layout, reply[1]));
        if (records.length > 0) this.heads.set(stream, chain.nextHead);
        return settle(batch, outcomes);
      }
      if (reply?.[0] === 2) {
        // The promotion was as expected; only the stream moved on.
        head = reply[1];
        this.heads.set(stream, head);
        confirmed = true;
        continue;
      }
      base = reply === null ? undefined : Version.read(reply[1]);
      if (base) this.remembered.set(id, base);
      else this.remembered.delete(id);
      confirmed = true;
    }
    for (const entry of batch)
      entry.reject(new Error(`Promotion #${id} changed ${MAX_CAS_ATTEMPTS} times while being updated; giving up.`));
  }
}
