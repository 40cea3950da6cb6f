// Declarations of @tollgate/core. The data types come from the Rust types (types.d.ts);
// the function signatures from wasm-bindgen (tollgate_wasm.d.ts) and from this file.
import type {
  AccountType,
  ApiVersion,
  CatalogResponse,
  ListedToken,
  RequiredScope,
  TokenFilter,
  Timestamp,
} from "./types.js";

export * from "./types.js";
export {
  initSync,
  checkAuthToken,
  checkAccountSid,
  buildAuthorization,
  parseAuthorization,
  apiVersions,
  latestApiVersion,
  tokenOrder,
  checkAllowedIps,
  ipAllowed,
  checkRateLimit,
  checkExpiry,
  expiryPresets,
} from "./tollgate_wasm.js";
export type { InitInput, InitOutput, SyncInitInput } from "./tollgate_wasm.js";

/**
 * Loads the WebAssembly. Call it once before anything else. In browsers it fetches
 * `tollgate_wasm_bg.wasm` next to the module; in Node it reads the file. Pass
 * `{ module_or_path }` to load it from elsewhere.
 */
export default function init(
  input?: { module_or_path: import("./tollgate_wasm.js").InitInput | Promise<import("./tollgate_wasm.js").InitInput> },
): Promise<import("./tollgate_wasm.js").InitOutput>;

/**
 * The scopes an account type can grant at an API version (default: the latest), grouped in
 * categories — the same answer as the admin API's `GET /api/catalog`.
 */
export function scopeCatalog(accountType: AccountType, version?: ApiVersion): CatalogResponse;

/**
 * The scope a request needs (`path` without the query string; `method` in any case), or
 * `null` when no route of that version matches — what the Worker answers with 404.
 */
export function requiredScope(accountType: AccountType, method: string, path: string, version?: ApiVersion): RequiredScope | null;

/** The error every function throws for bad input: `code` is stable, `message` says what to fix. */
export interface TollgateError extends Error {
  name: "TollgateError";
  code: string;
  field?: string;
}

/** The tokens that match `filter`, newest first (ties by SID): the Worker's list order. */
export function filterTokens<T extends ListedToken>(tokens: readonly T[], filter?: TokenFilter, now?: Timestamp): T[];

/** One page of the filtered list, and the cursor of the next page, as `GET /api/tokens` pages. */
export function listTokens<T extends ListedToken>(
  tokens: readonly T[],
  filter?: TokenFilter,
  page?: { limit?: number; cursor?: string | null },
  now?: Timestamp,
): { tokens: T[]; next_cursor: string | null; total: number };

export interface TokenManagerOptions {
  /** The origin that serves Tollgate's `/api/` (default: the page's own origin). */
  apiBase?: string;
  /** `"en"`, `"ja"` or `"zh"` (default: the browser's language). */
  locale?: "en" | "ja" | "zh";
}

/** A mounted token manager. */
export interface TokenManager {
  /** Removes the token manager from its element. */
  unmount(): void;
  readonly mounted: boolean;
}

/**
 * Mounts the token manager (Tollgate's admin app) in `element`, inside a shadow root so its
 * styles and the page's stay apart. The page must be able to reach Tollgate's `/api/` on
 * its own origin. Browsers only.
 */
export function mountTokenManager(element: HTMLElement, options?: TokenManagerOptions): Promise<TokenManager>;
