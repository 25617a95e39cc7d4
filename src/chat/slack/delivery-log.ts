/**
 * Slack delivers a request again when it thinks the first went unanswered
 * (`X-Slack-Retry-Num`), and a client can send the same click twice. Each
 * delivery is identified by its trigger id (or view id); a repeat is
 * acknowledged and otherwise ignored, so a retried `/promote` never requests
 * a second promotion.
 */
export class DeliveryLog {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly keepMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time a key is seen within `keepMs`. */
  firstDelivery(key: string): boolean {
    const now = this.now();
    for (const [seenKey, at] of this.seen) {
      // Insertion order is time order: stop at the first one still fresh.
      if (now - at < this.keepMs) break;
      this.seen.delete(seenKey);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }
}
