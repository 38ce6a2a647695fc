// The FlightPath page: pick two endpoints (workloads or site hosts) and a
// flow, and see the verdict, the first block and why, the two ends' cloud
// tables side by side (security groups, route table with the route taken,
// network ACL), and every hop with its steps, as `mcnlab flightpath`
// prints them.
import { h, table } from "./app.js";

let last = { from: "", to: "", protocol: "icmp", port: "" };

function end(e) {
  const parts = [h("h3", {}, e.endpoint + (e.address ? " · " + e.address : "")),
    h("p", { class: "muted" }, e.site ? "site " + e.site : `${e.instance || ""} · subnet ${e.subnet || ""} ${e.subnet_cidr || ""}`)];
  for (const g of e.security_groups || []) {
    parts.push(h("h4", {}, `Security group ${g.id}${g.name ? " (" + g.name + ")" : ""}`),
      table(["Inbound", "Outbound"], zip(g.ingress, g.egress), "Security group " + g.id));
  }
  if (e.route_table) {
    parts.push(h("h4", {}, "Route table " + e.route_table.id),
      table(["Destination", "Kind", "Target"], e.route_table.routes.map((r) => ({ cls: r.matched ? "matched" : "", cells: [r.destination, r.kind, r.target + (r.matched ? "  ← taken" : "")] })), "Route table"));
  }
  if (e.network_acl) {
    parts.push(h("h4", {}, "Network ACL " + e.network_acl.id), table(["Inbound", "Outbound"], zip(e.network_acl.inbound, e.network_acl.outbound), "Network ACL"));
  }
  return h("div", { class: "card" }, parts);
}

function zip(a = [], b = []) {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => [a[i] || "", b[i] || ""]);
}

function hops(title, hs, block, back) {
  const rows = [];
  for (const hp of hs || []) {
    for (const st of hp.steps) {
      const isBlock = block && block.hop === hp.node && !!block.return === back && block.kind === st.kind && block.object === st.object && block.action === st.action;
      rows.push({ cls: isBlock ? "blocked" : "", cells: [hp.node, hp.kind, st.kind, st.object, st.rule || "", st.action, st.detail || ""] });
    }
  }
  return [h("h3", {}, title), table(["Hop", "Hop kind", "Step", "Object", "Rule", "Action", "Detail"], rows, title)];
}

function result(fp) {
  const verdict = fp.reachable ? "REACHABLE" : "BLOCKED";
  const b = fp.block;
  return h("div", { id: "fp-result", "data-verdict": verdict },
    h("p", {}, h("span", { class: "verdict " + verdict.toLowerCase(), role: "status" }, `${fp.from} → ${fp.to}, ${fp.flow}: ${verdict}`)),
    b ? h("p", {}, `Blocked at ${b.hop}${b.return ? " (on the reply's way back)" : ""} by ${b.kind} ${b.object}: ${b.action} ${b.rule || ""}`) : null,
    fp.reason ? h("p", {}, h("strong", {}, "Why: "), fp.reason) : null,
    h("div", { class: "row" }, (fp.ends || []).map(end)),
    hops("Hops", fp.hops, b, false), fp.return && fp.return.length ? hops("Return hops", fp.return, b, true) : null);
}

export async function render(el, ctx) {
  const out = h("div", {});
  const field = (id, label, input) => h("label", { for: id }, label, input);
  const from = h("input", { id: "fp-from", name: "from", required: true, value: last.from, placeholder: "dev-app" });
  const to = h("input", { id: "fp-to", name: "to", required: true, value: last.to, placeholder: "shared-db" });
  const proto = h("select", { id: "fp-proto", name: "protocol" }, ["icmp", "tcp", "udp"].map((p) => h("option", { value: p, selected: p === last.protocol }, p)));
  const port = h("input", { id: "fp-port", name: "port", type: "number", min: 1, max: 65535, value: last.port, placeholder: "5432" });
  const form = h("form", { class: "inline", id: "fp-form", onsubmit: async (e) => {
    e.preventDefault();
    last = { from: from.value.trim(), to: to.value.trim(), protocol: proto.value, port: port.value };
    const req = { from: last.from, to: last.to, protocol: last.protocol };
    if (last.protocol !== "icmp" && last.port) req.port = Number(last.port);
    out.replaceChildren(h("p", { class: "muted" }, "Tracing…"));
    try { out.replaceChildren(result(await ctx.api("POST", "/v1/flightpath", req))); }
    catch (err) { out.replaceChildren(h("p", { class: "error", role: "alert", id: "fp-error" }, err.message)); }
  } }, field("fp-from", "From (workload or site host)", from), field("fp-to", "To", to), field("fp-proto", "Protocol", proto),
  field("fp-port", "Port (tcp, udp)", port), h("button", { type: "submit", id: "fp-submit" }, "Trace"));
  el.append(h("h2", {}, "FlightPath"), form, out);
}
