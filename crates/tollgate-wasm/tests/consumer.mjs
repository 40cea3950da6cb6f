// Uses the packed @tollgate/core exactly as a consumer would: installed from the tarball
// into a fresh project, imported by name, initialised, called. Checks every answer against
// the known-answer vectors that tollgate-core's own tests use (TOLLGATE_VECTORS).
import init, {
  apiVersions,
  buildAuthorization,
  checkAccountSid,
  checkAuthToken,
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

await assert.rejects(mountTokenManager(), /needs a browser/);
checks += 1;

console.log(`consumer (node ${process.version}): ${checks} checks passed against ${process.env.TOLLGATE_VECTORS}`);
