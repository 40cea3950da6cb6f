// Type-checked with `tsc --strict` against the installed package: the declarations are
// real types (an `any` would make the @ts-expect-error lines fail) and match the API.
import init, {
  checkAllowedIps,
  checkAuthToken,
  expiryPresets,
  filterTokens,
  listTokens,
  mountTokenManager,
  parseAuthorization,
  requiredScope,
  scopeCatalog,
  type CatalogResponse,
  type Credentials,
  type ErrorBody,
  type AllowedIpsCheck,
  type ExpiryPreset,
  type FormatCheck,
  type RateLimit,
  type TokenDraft,
  type TokenManager,
  type TokenPage,
  type TokenView,
  type TollgateError,
} from "@tollgate/core";

await init();

const ipCheck: AllowedIpsCheck = checkAllowedIps(["203.0.113.0/24"]);
const canonical: string[] | undefined = ipCheck.ips;
const presets: ExpiryPreset[] = expiryPresets();
const firstEnds: number = presets[0].expires_at;
const limit: RateLimit = { requests: 10, period_seconds: 60 };
// @ts-expect-error: a rate limit has a period
const halfLimit: RateLimit = { requests: 10 };

const check: FormatCheck = checkAuthToken("tgat_x");
const valid: boolean = check.valid;
const reason: string | undefined = check.reason;
// @ts-expect-error: valid is a boolean
const notANumber: number = check.valid;

const creds: Credentials = parseAuthorization("Basic eDp5");
const sid: string = creds.sid;
// @ts-expect-error: the field is authToken
creds.auth_token;

const catalog: CatalogResponse = scopeCatalog("brand", "2025-04-01");
// @ts-expect-error: not an account type
scopeCatalog("publisher");
// @ts-expect-error: not an API version
scopeCatalog("brand", "2019-01-01");
const scope = requiredScope("agency", "GET", "/v1/reports");
const scopeId: string | undefined = scope?.scope;

const draft: TokenDraft = {
  name: "Reporting",
  description: "",
  primary_contact: "user-1",
  developer_emails: ["dev@example.com"],
  scopes: ["reports.read"],
};
// @ts-expect-error: a draft has no sid (the server makes it)
const withSid: TokenDraft = { ...draft, sid: "TGSIDx" };

declare const page: TokenPage;
const views: TokenView[] = filterTokens(page.tokens, { q: "report", created: "30d", state: "enabled" });
const lastUsed: number | null = views[0].last_used_at;
// @ts-expect-error: not a created range
filterTokens(page.tokens, { created: "yesterday" });
const mine = filterTokens([{ sid: "a", name: "b", state: "enabled", created_at: 0, color: "red" }]);
const color: string = mine[0].color;
const next: string | null = listTokens(page.tokens, {}, { limit: 20 }).next_cursor;

declare const body: ErrorBody;
const field: string | null | undefined = body.error.field;

declare const element: HTMLElement;
const manager: TokenManager = await mountTokenManager(element, { apiBase: "", locale: "ja" });
manager.unmount();
// @ts-expect-error: no such locale
await mountTokenManager(element, { locale: "fr" });

declare const e: TollgateError;
const code: string = e.code;

export { valid, reason, notANumber, sid, catalog, scopeId, withSid, lastUsed, color, next, field, code };
