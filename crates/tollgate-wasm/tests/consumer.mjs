// Uses the packed @tollgate/core exactly as a consumer would: installed from the tarball
// into a fresh project, imported by name, initialised, called. Checks every answer against
// the known-answer vectors that tollgate-core's own tests use (TOLLGATE_VECTORS).
import init, {
  apiVersions,
  buildAuthorization,
  checkAccountSid,
  checkAllowedIps,
  checkAuthToken,
  checkExpiry,
  checkRateLimit,
  expiryPresets,
  ipAllowed,
  filterTokens,
  latestApiVersion,
  listTokens,
  mountTokenManager,
  parseAuthorization,
  requiredScope,
  scopeCatalog,
} from "@tollgate/core";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

const vectors = JSON.parse(await readFile(process.env.TOLLGATE_VECTORS, "utf8"));
let checks = 0;
const check = (actual, expected, what) => {
  assert.deepEqual(actual, expected, what);
  checks += 1;
};
const codeOf = (f) => {
  try {
    f();
  } catch (e) {
    assert.equal(e.name, "TollgateError");
    assert.ok(e instanceof Error && e.message.length > 0);
    return e.code;
  }
  assert.fail("expected a TollgateError");
};

await init();

for (const c of vectors.auth_tokens) {
  const r = checkAuthToken(c.input);
  check(r.valid, c.valid, `checkAuthToken(${JSON.stringify(c.input)})`);
  if (!c.valid) check(r.code, c.code, `code of ${JSON.stringify(c.input)}`);
}
for (const c of vectors.account_sids) {
  const r = checkAccountSid(c.input);
  check(r.valid, c.valid, `checkAccountSid(${JSON.stringify(c.input)})`);
  if (!c.valid) check(r.code, c.code, `code of ${JSON.stringify(c.input)}`);
}
for (const c of vectors.headers) {
  if (c.code) {
    check(codeOf(() => parseAuthorization(c.header)), c.code, `parseAuthorization(${JSON.stringify(c.header.slice(0, 40))})`);
  } else {
    check(parseAuthorization(c.header), { sid: c.sid, authToken: c.auth_token }, "parseAuthorization");
  }
}
for (const c of vectors.encode) {
  check(buildAuthorization(c.sid, c.auth_token), c.header, "buildAuthorization");
  check(Buffer.from(c.header.slice(6), "base64").toString(), `${c.sid}:${c.auth_token}`, "the header is base64(SID:token)");
}
check(codeOf(() => buildAuthorization("TGSIDnope", vectors.encode[0].auth_token)), "sid_length", "bad SID");
for (const c of vectors.required_scopes) {
  const r = requiredScope(c.account_type, c.method, c.path, c.api_version);
  check(r?.scope ?? null, c.scope, `requiredScope ${c.account_type} ${c.method} ${c.path}`);
}
check(requiredScope("brand", "get", "/v1/actions")?.scope, "actions.read", "method in any case, latest version");

const versions = apiVersions();
check(versions.at(-1), latestApiVersion(), "the latest version is the last");
const catalog = scopeCatalog("partner");
check(catalog.api_version, latestApiVersion(), "catalog defaults to the latest version");
check(catalog.account_type, "partner", "catalog account type");
assert.ok(catalog.categories.every((cat) => cat.scopes.length > 0 && cat.key && cat.name));
check(codeOf(() => scopeCatalog("partner", "1999-01-01")), "unknown_version", "unknown version");

const f = vectors.filter;
// Extra fields are the caller's and come back untouched, as the same objects.
const tokens = f.tokens.map((t, i) => ({ ...t, mine: i }));
for (const c of f.cases) {
  const hits = filterTokens(tokens, c.filter, f.now);
  check(hits.map((t) => t.sid), c.expect, `filterTokens ${JSON.stringify(c.filter)}`);
  assert.ok(hits.every((t) => tokens.includes(t)));
}
for (const c of f.pages) {
  let cursor = null;
  for (const want of c.pages) {
    const page = listTokens(tokens, c.filter, { limit: c.limit, cursor }, f.now);
    check(page.tokens.map((t) => t.sid), want, "listTokens page");
    check(page.total, f.tokens.length, "listTokens total");
    cursor = page.next_cursor;
  }
  check(cursor, null, "the last page has no next cursor");
}
check(codeOf(() => filterTokens(tokens, { qq: "typo" }, f.now)), "invalid_argument", "unknown filter fields are refused");
check(codeOf(() => filterTokens(tokens, { created: "yesterday" }, f.now)), "invalid_argument", "unknown date range");
check(filterTokens([], {}).length, 0, "empty list, default filter and now");

// Token policies: the same validation as the admin API.
check(checkAllowedIps(["203.0.113.0/24", "::ffff:192.0.2.1"]), { valid: true, ips: ["203.0.113.0/24", "192.0.2.1"] }, "allowlist");
const badIp = checkAllowedIps(["10.0.0.999"]);
check([badIp.valid, badIp.code, badIp.field], [false, "ip_invalid", "allowed_ips"], "a bad entry");
check(badIp.reason.includes("10.0.0.999"), true, "the bad entry is named");
check(ipAllowed(["203.0.113.0/24"], "203.0.113.9"), true, "inside the range");
check(ipAllowed(["203.0.113.0/24"], "198.51.100.1"), false, "outside the range");
check(checkRateLimit({ requests: 10, period_seconds: 60 }).valid, true, "a rate limit");
check(checkRateLimit(null).valid, true, "no rate limit");
check(checkRateLimit({ requests: 10, period_seconds: 30 }).code, "rate_limit_period", "a bad period");
const now = 1_700_000_000_000;
check(expiryPresets(now).map((p) => [p.days, p.expires_at]), [7, 30, 90, 365].map((d) => [d, now + d * 86_400_000]), "presets");
check(checkExpiry(null, now, 30).code, "expiry_required", "never, under a limit");
check(checkExpiry(now + 86_400_000, now, 30).valid, true, "a day, under a limit");
check(checkExpiry(now - 1, now).code, "expiry_in_past", "in the past");

await assert.rejects(mountTokenManager(), /needs a browser/);
checks += 1;

console.log(`consumer (node ${process.version}): ${checks} checks passed against ${process.env.TOLLGATE_VECTORS}`);
