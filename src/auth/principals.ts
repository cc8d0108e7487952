import type { KeyLimits, Principal } from "../context";
import { ProblemError } from "../errors";
import type { KeyStore } from "../store/ports";
import { type ApiKeyRow, MADE_OPEN, madeByKey } from "../store/records";
import { constantTimeEqual, hashSecret } from "./secrets";

/** Everyone on a server without TICKBOX_ADMIN_KEY: one tenant, no key management. */
export const OPEN_PRINCIPAL: Principal = {
  keyId: null,
  tenant: "default",
  scopes: ["evaluate", "calibrate"],
  operator: false,
  rateLimitRpm: null,
  dailyTokenBudget: null,
  above: [],
};

/** TICKBOX_ADMIN_KEY: every scope; its own objects live in the tenant "default", as an open server's do. */
const OPERATOR: Principal = {
  keyId: "admin",
  tenant: "default",
  scopes: ["evaluate", "calibrate", "admin"],
  operator: true,
  rateLimitRpm: null,
  dailyTokenBudget: null,
  above: [],
};

/** Who made a batch: its tenant and the key it runs as (null: made on an open server). */
export interface Owner {
  tenant: string;
  keyId: string | null;
}

/** Makers whose chains are kept; past it the cache starts again (a tenant has a handful of admin keys). */
const MAX_LINEAGES = 10_000;

const NOT_HONOURED = "this key was made while the server had no admin key, so anyone may have made it; it is not honoured: ask for a new one";

/**
 * Who a request or a batch item is. Without an admin key the server is open and everyone is the
 * open principal; with one, a request needs a bearer key: the admin key (compared in constant time)
 * or a live key found by the hash of its secret.
 */
export class Authenticator {
  /** The keys above a maker, by the maker's id (see `above`). */
  private readonly lineages = new Map<string, readonly KeyLimits[]>();

  constructor(
    private readonly keys: KeyStore,
    private readonly adminKey: string | undefined,
  ) {}

  /** True without TICKBOX_ADMIN_KEY. */
  get open(): boolean {
    return this.adminKey === undefined;
  }

  /** The caller named by an Authorization header, or a 401. */
  async fromAuthorization(header: string | undefined): Promise<Principal> {
    if (this.adminKey === undefined) return OPEN_PRINCIPAL;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
    if (!token) throw new ProblemError("unauthorized", "send an API key as `Authorization: Bearer <key>`");
    if (constantTimeEqual(token, this.adminKey)) return OPERATOR;
    const row = await this.keys.activeByHash(await hashSecret(token));
    if (!row) throw new ProblemError("unauthorized", "the API key is not valid or has been revoked");
    if (row.createdBy === MADE_OPEN) throw new ProblemError("unauthorized", NOT_HONOURED);
    return this.principalOf(row);
  }

  /**
   * The principal a batch's next item runs as: its owner as the server knows it now, or why it
   * may no longer run (the key was revoked; the batch was made without a key and the server now
   * needs one).
   */
  async fromOwner(owner: Owner): Promise<Principal | { refused: string }> {
    if (owner.keyId === null) {
      return this.open ? OPEN_PRINCIPAL : { refused: "the batch was made without a key, and the server now needs one (TICKBOX_ADMIN_KEY is set)" };
    }
    if (owner.keyId === OPERATOR.keyId) return this.open ? OPEN_PRINCIPAL : OPERATOR;
    const row = await this.keys.byId(owner.keyId);
    const refused = this.refusalOf(owner.keyId, row);
    return refused ? { refused } : this.principalOf(row as ApiKeyRow);
  }

  /**
   * Why a batch's key may no longer spend, or null: the re-check made right before each of its
   * items' upstream calls, one lookup by primary key (the rest of the principal cannot change).
   */
  async refusal(owner: Owner): Promise<string | null> {
    if (owner.keyId === null || owner.keyId === OPERATOR.keyId) return null;
    return this.refusalOf(owner.keyId, await this.keys.byId(owner.keyId));
  }

  private refusalOf(keyId: string, row: ApiKeyRow | undefined): string | null {
    if (!row || row.revokedAt !== null) return `the key that made the batch (${keyId}) was revoked`;
    if (row.createdBy === MADE_OPEN && !this.open) return NOT_HONOURED.replace("this key", `the key that made the batch (${keyId})`);
    return null;
  }

  /** A key as a principal, with the limits of the keys above it (looked up only for a key a key made). */
  private async principalOf(row: ApiKeyRow): Promise<Principal> {
    const above = madeByKey(row.createdBy) ? await this.above(row.createdBy) : [];
    return {
      keyId: row.id,
      tenant: row.tenant,
      scopes: row.scopes,
      operator: false,
      rateLimitRpm: row.rateLimitRpm,
      dailyTokenBudget: row.dailyTokenBudget,
      above,
    };
  }

  /**
   * The limits of a maker and of the keys above it. Who made a key and a key's limits never change
   * (revoking a key leaves its limits binding those it made), so each chain is looked up once.
   */
  private async above(makerId: string): Promise<readonly KeyLimits[]> {
    let chain = this.lineages.get(makerId);
    if (!chain) {
      chain = (await this.keys.lineage(makerId)).map((k) => ({ keyId: k.id, rateLimitRpm: k.rateLimitRpm, dailyTokenBudget: k.dailyTokenBudget }));
      if (this.lineages.size >= MAX_LINEAGES) this.lineages.clear();
      this.lineages.set(makerId, chain);
    }
    return chain;
  }

  /** The command line working on the database file itself: the operator when the server has an admin key. */
  local(): Principal {
    return this.open ? OPEN_PRINCIPAL : OPERATOR;
  }
}
