// The Segmentation page: the security domains with their members and
// prefixes, the connection policy as a domain × domain matrix, and the
// packets the gateways dropped per pair.
import { h, table, bytes } from "./app.js";

export async function render(el, ctx) {
  const s = await ctx.get("/v1/segmentation");
  const names = s.domains.map((d) => d.name);
  const allowed = (a, b) => a === b || s.connections.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const drops = {};
  for (const d of s.drops) drops[d.from + ">" + d.to] = (drops[d.from + ">" + d.to] || 0) + d.packets;
  el.append(h("h2", {}, "Segmentation"),
    h("h3", {}, "Domains"),
    table(["Domain", "Members", "Prefixes"], s.domains.map((d) => [d.name, d.members.join(", "), d.prefixes.join(", ")]), "Domains"),
    h("h3", {}, "Connection policy (row may reach column; dropped packets where not)"),
    h("div", { class: "scroll" }, h("table", { class: "heat" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "from \\ to"), names.map((n) => h("th", { scope: "col" }, n)))),
      h("tbody", {}, names.map((a) => h("tr", {}, h("th", { scope: "row" }, a), names.map((b) => {
        const ok = allowed(a, b), n = drops[a + ">" + b] || 0;
        return h("td", { class: ok ? "state-up" : "state-down", "data-pair": a + ">" + b }, ok ? "allowed" : `denied${n ? " · " + n + " dropped" : ""}`);
      })))))),
    h("h3", {}, "Drops per gateway and pair"),
    table(["Gateway", "From", "To", "Packets"], s.drops.map((d) => [d.gateway, d.from, d.to, { num: d.packets }]), "Drops"));
}
