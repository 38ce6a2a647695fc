// The VPC tracker page: every CIDR the clouds' APIs list and every site's
// prefix, with the overlaps among them, and a test of a candidate CIDR.
import { h, table } from "./app.js";

function rows(as) {
  return as.map((a) => ({ attrs: { "data-cidr": a.cidr }, cls: a.overlaps && a.overlaps.length ? "blocked" : "",
    cells: [a.cidr, a.kind, a.name, a.cloud, a.account || "", a.region || "", a.id || "", a.managed ? "yes" : "", (a.overlaps || []).join(", ")] }));
}
const head = ["CIDR", "Kind", "Name", "Cloud", "Account", "Region", "ID", "Made by the lab", "Overlaps"];

export async function render(el, ctx) {
  const all = await ctx.get("/v1/vpc-tracker");
  const out = h("div", { id: "tracker-test", role: "status" });
  const input = h("input", { id: "cidr", name: "cidr", placeholder: "10.1.0.0/24", required: true });
  const form = h("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const hit = await ctx.get("/v1/vpc-tracker?test=" + encodeURIComponent(input.value.trim()));
      out.replaceChildren(h("p", { class: hit.length ? "state-down" : "state-up" },
        hit.length ? `${input.value} overlaps ${hit.length} allocation(s):` : `${input.value} is free: it overlaps nothing.`),
      hit.length ? table(head, rows(hit), "Overlapping allocations") : "");
    } catch (err) { out.replaceChildren(h("p", { class: "error" }, err.message)); }
  } }, h("label", { for: "cidr" }, "Test a CIDR for overlaps", input), h("button", { type: "submit" }, "Test"));
  el.append(h("h2", {}, "VPC tracker"), form, out, h("h3", {}, `All allocations (${all.length})`), table(head, rows(all), "Allocations"));
}
