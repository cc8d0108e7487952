import { canonicalJson, sha256OfParts } from "../store/fingerprint";
import { type NewBatchItem, STAGING_PREFIX } from "../store/batch-records";
import type { BatchStore } from "../store/ports";
import type { BatchItemInput } from "./service";

/** Items written to the store at once while a batch arrives: what bounds the memory a batch takes. */
const STAGE_GROUP = 500;

/** A staging name unused this long belongs to an upload that died (no body takes an hour to arrive). */
export const STAGING_EXPIRY_MS = 60 * 60 * 1000;

/** When an upload staged under this name began, or NaN when it is not a staging name. */
export const stagedAt = (stagingId: string) => Number(stagingId.slice(STAGING_PREFIX.length).split("_")[0]);

/**
 * Receives a batch's items one at a time, as its body is read, and stores them a group at a time
 * under a staging name, so that memory stays bounded however large the batch is. The batch's id
 * names its content (the same items, custom ids included, give the same id, whatever process
 * computes it): it is hashed as the items pass, exactly as `BatchService.idFor` hashes them all at
 * once, and the staged items become the batch's at the end (`finish`), or are dropped (`discard`).
 */
export class BatchIntake {
  readonly stagingId: string;
  count = 0;
  private group: NewBatchItem[] = [];
  private readonly hash = sha256OfParts();

  constructor(
    private readonly store: BatchStore,
    now: number,
  ) {
    this.stagingId = `${STAGING_PREFIX}${now}_${crypto.randomUUID().slice(0, 8)}`;
    // The canonical JSON of {kind, tenant, items}, keys in order: items first.
    this.hash.update('{"items":[');
  }

  async add(item: BatchItemInput): Promise<void> {
    const { custom_id, ...request } = item;
    this.hash.update((this.count > 0 ? "," : "") + canonicalJson(item));
    this.group.push({ idx: this.count++, customId: custom_id ?? null, request });
    if (this.group.length >= STAGE_GROUP) await this.flush();
  }

  /**
   * Stores the batch: its staged items become its own and its row is written (or, for content
   * already stored, the staged copy is dropped). Returns the batch's id.
   */
  async finish(row: { tenant: string; keyId: string | null; concurrency: number; createdAt: number }): Promise<string> {
    await this.flush();
    this.hash.update(`],"kind":"batch","tenant":${JSON.stringify(row.tenant)}}`);
    const id = `ba_${(await this.hash.digest()).slice(0, 32)}`;
    await this.store.adoptStaged(this.stagingId, { ...row, id, status: "running", total: this.count });
    return id;
  }

  discard(): Promise<void> {
    return this.store.discardStaged(this.stagingId);
  }

  private async flush(): Promise<void> {
    const group = this.group;
    this.group = [];
    if (group.length > 0) await this.store.insertItems(this.stagingId, group);
  }
}
