// The Routes page: on-prem routes waiting for approval (approve, for
// operators and admins), those approved (revoke), every spoke route table
// as the cloud holds it, and each transit gateway's routes.
import { h, table } from "./app.js";

export async function render(el, ctx) {
  const [pending, approved, tables, st] = await Promise.all([
    ctx.get("/v1/routes/pending"), ctx.get("/v1/routes/approved"), ctx.get("/v1/route-tables"), ctx.get("/v1/status")]);
  const msg = h("p", { id: "routes-msg", role: "status" });
  const act = (label, cls, fn) => h("button", { type: "button", class: cls, onclick: async (e) => {
    e.target.disabled = true;
    try { msg.textContent = await fn(); msg.className = ""; } catch (err) { msg.textContent = err.message; msg.className = "error"; }
    setTimeout(() => { const y = window.scrollY; el.replaceChildren(); render(el, ctx).then(() => window.scrollTo(0, y)); }, 300);
  } }, label);
  const op = ctx.canOperate();
  el.append(h("h2", {}, "Routes"), msg,
    h("h3", {}, "Pending approval"),
    op ? null : h("p", { class: "muted" }, `Your role (${ctx.role}) may look; approving needs operator or admin.`),
    table(["Site", "Prefix", "Transit", ...(op ? ["Action"] : [])], pending.map((p) => ({ attrs: { "data-site": p.site, "data-prefix": p.prefix },
      cells: [p.site, p.prefix, p.transit, ...(op ? [act(`Approve ${p.prefix}`, "approve", async () => {
        const r = await ctx.api("POST", "/v1/routes/approve", { site: p.site, prefix: p.prefix });
        return `Approved ${r.prefix} from ${r.site} at ${r.transit}.`;
      })] : [])] })), "Pending routes"),
    h("h3", {}, "Approved"),
    table(["Site", "Prefix", "Transit", "By", "At", ...(op ? ["Action"] : [])], approved.map((a) => ({ attrs: { "data-site": a.site, "data-prefix": a.prefix },
      cells: [a.site, a.prefix, a.transit, a.by, a.at && !a.at.startsWith("0001") ? new Date(a.at).toLocaleString() : "topology file",
        ...(op ? [act(`Revoke ${a.prefix}`, "danger", async () => {
          await ctx.api("DELETE", `/v1/routes/approved/${encodeURIComponent(a.site)}/${encodeURIComponent(a.prefix)}`);
          return `Revoked ${a.prefix} from ${a.site}.`;
        })] : [])] })), "Approved routes"),
    h("h3", {}, "Spoke route tables (as the cloud holds them)"),
    ...tables.map((t) => h("div", { "data-route-table": t.subnet }, h("h4", {}, `${t.subnet} · ${t.vpc} · ${t.route_table_id}`),
      table(["Destination", "Target", "Origin"], t.routes.map((r) => [r.destination, r.target, r.origin]), "Route table " + t.subnet))),
    h("h3", {}, "Transit gateways' routes"));
  for (const g of st.gateways.filter((g) => g.role === "transit")) {
    const d = await ctx.get("/v1/gateways/" + encodeURIComponent(g.name));
    el.append(h("h4", {}, g.name), table(["Prefix", "Next hops"], ((d.status || {}).routes || []).map((r) => [r.prefix, (r.next_hops || []).join(", ")]), "Routes of " + g.name));
  }
}
