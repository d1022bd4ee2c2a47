import type { ChangeSet } from './database.js';

/** At most this many commits are kept, however small they are (as Open vSwitch's history). */
const MAX_COMMITS = 100;

interface Entry {
  txnId: string;
  changes: ChangeSet;
  /** Rows the commit changed. */
  rows: number;
}

/**
 * Recent commits, so that a client resuming with monitor_cond_since gets only what changed
 * since the last transaction it saw.
 *
 * Bounded as Open vSwitch bounds its own (which it keeps for clustered databases): at most 100
 * commits, and no more changed rows in all than the database holds (OVS counts atoms), since
 * past that point the full contents are the smaller answer; the newest commit is always kept.
 * The second bound matters for memory, not only for the answer: every kept commit holds the
 * rows it replaced, and on a small database with steady traffic (ovs-vsctl runs one after
 * another) 100 commits outlived V8's young generation, so each was copied and promoted by the
 * scavenger and freed only by a full collection.
 */
export class CommitHistory {
  private readonly entries: Entry[] = [];
  private rows = 0;
  /** The commit just before the oldest kept one: a client that saw it can still resume. */
  private base: string | undefined;

  /** Records a commit; `databaseRows` is the database's row count after it. */
  add(txnId: string, changes: ChangeSet, databaseRows: number): void {
    let rows = 0;
    for (const table of changes.values()) rows += table.size;
    this.entries.push({ txnId, changes, rows });
    this.rows += rows;
    while (this.entries.length > 1 && (this.entries.length > MAX_COMMITS || this.rows > databaseRows)) {
      const dropped = this.entries.shift() as Entry;
      this.rows -= dropped.rows;
      this.base = dropped.txnId;
    }
  }

  /**
   * The changes of every commit after `txnId`, oldest first; undefined if that commit is not
   * known (never seen, or older than what is kept).
   */
  since(txnId: string): ChangeSet[] | undefined {
    if (txnId === this.base) return this.entries.map((e) => e.changes);
    const at = this.entries.findIndex((e) => e.txnId === txnId);
    return at < 0 ? undefined : this.entries.slice(at + 1).map((e) => e.changes);
  }

  get length(): number {
    return this.entries.length;
  }
}
