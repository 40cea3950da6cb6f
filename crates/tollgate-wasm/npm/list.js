// The token list filter over the caller's own objects. The rules (NFKC search, date
// ranges, state, newest-first order, cursor paging) run in WebAssembly, exactly as in the
// Worker; this file only maps the answer back onto the objects it was given.
import { tokenOrder } from "./tollgate_wasm.js";

export function filterTokens(tokens, filter = {}, now = Date.now()) {
  const order = tokenOrder(tokens, filter, now, undefined, undefined);
  return Array.from(order.indices, (i) => tokens[i]);
}

export function listTokens(tokens, filter = {}, page = {}, now = Date.now()) {
  const order = tokenOrder(tokens, filter, now, page.limit ?? 20, page.cursor ?? undefined);
  return {
    tokens: Array.from(order.indices, (i) => tokens[i]),
    next_cursor: order.next_cursor ?? null,
    total: order.total,
  };
}
