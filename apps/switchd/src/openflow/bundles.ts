import { OFPBF, OFPBFC } from '@softswitch/openflow';
import type { BundleMod } from './flow-txn.js';

/** A bundle request refused with OFPET_BUNDLE_FAILED / `code` (OFPBFC_*). */
export class BundleError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** One message of a bundle: what to apply and the add message that carried it (for errors). */
export type BundleEntry = BundleMod & { raw: Uint8Array };

interface Bundle {
  flags: number;
  closed: boolean;
  entries: BundleEntry[];
}

/** Bundles per connection are bounded, as Open vSwitch bounds them, so a client cannot exhaust memory. */
const MAX_BUNDLES = 64;
const MAX_MESSAGES = 1 << 20;

/**
 * The bundles one connection has open, with Open vSwitch's state rules (ofproto/bundles.c): an
 * add opens a bundle implicitly; a closed bundle takes no more messages; flags must stay the
 * same; any protocol mistake discards the bundle. Committing is the caller's (`take`).
 */
export class BundleSet {
  private readonly bundles = new Map<number, Bundle>();

  static checkFlags(flags: number): void {
    if (flags & ~(OFPBF.ATOMIC | OFPBF.ORDERED))
      throw new BundleError(OFPBFC.BAD_FLAGS, `unknown bundle flags ${flags}`);
  }

  open(id: number, flags: number): void {
    if (this.bundles.has(id)) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.BAD_ID, `bundle ${id} already exists`);
    }
    this.create(id, flags);
  }

  close(id: number, flags: number): void {
    const b = this.existing(id, flags);
    if (b.closed) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.BUNDLE_CLOSED, `bundle ${id} is already closed`);
    }
    b.closed = true;
  }

  add(id: number, flags: number, entry: BundleEntry): void {
    let b = this.bundles.get(id);
    if (!b) b = this.create(id, flags);
    else if (b.closed) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.BUNDLE_CLOSED, `bundle ${id} is closed`);
    } else if (b.flags !== flags) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.BAD_FLAGS, `bundle ${id} was opened with other flags`);
    }
    if (b.entries.length >= MAX_MESSAGES) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.MSG_TOO_MANY, `bundle ${id} holds too many messages`);
    }
    b.entries.push(entry);
  }

  /** Removes the bundle for committing and returns its messages in order. */
  take(id: number, flags: number): BundleEntry[] {
    const b = this.existing(id, flags);
    this.bundles.delete(id);
    return b.entries;
  }

  discard(id: number): void {
    if (!this.bundles.delete(id)) throw new BundleError(OFPBFC.BAD_ID, `no bundle ${id}`);
  }

  clear(): void {
    this.bundles.clear();
  }

  private create(id: number, flags: number): Bundle {
    if (this.bundles.size >= MAX_BUNDLES) throw new BundleError(OFPBFC.OUT_OF_BUNDLES, 'too many open bundles');
    const b: Bundle = { flags, closed: false, entries: [] };
    this.bundles.set(id, b);
    return b;
  }

  private existing(id: number, flags: number): Bundle {
    const b = this.bundles.get(id);
    if (!b) throw new BundleError(OFPBFC.BAD_ID, `no bundle ${id}`);
    if (b.flags !== flags) {
      this.bundles.delete(id);
      throw new BundleError(OFPBFC.BAD_FLAGS, `bundle ${id} was opened with other flags`);
    }
    return b;
  }
}
