// The Events page: the controller's event log (approvals, revocations,
// cloud changes, gateways that stop or come back), newest first, live.
import { h } from "./app.js";

let body = null;

function row(e) {
  return h("tr", { "data-event": e.id }, h("td", {}, new Date(e.at).toLocaleString()), h("td", {}, e.kind), h("td", {}, e.msg));
}

export async function render(el, ctx) {
  const es = await ctx.get("/v1/events?after=0");
  body = h("tbody", {}, es.slice(-300).reverse().map(row));
  el.append(h("h2", {}, "Events"), h("p", { class: "muted" }, "Live: new events appear at the top as the controller logs them."),
    h("div", { class: "scroll" }, h("table", { id: "events" }, h("thead", {}, h("tr", {}, ["When", "Kind", "Event"].map((x) => h("th", { scope: "col" }, x)))), body)));
}

export function onLog(e) {
  if (body && body.isConnected && !body.querySelector(`[data-event="${e.id}"]`)) body.prepend(row(e));
}
