// The Routes page: on-prem routes waiting for approval (approve or
// reject, for operators and admins), those approved (revoke), every spoke route table
// as the cloud holds it, and each transit gateway's routes.
import { h, table } from "./app.js";

let note = { text: "", cls: "" };

export async function render(el, ctx) {
  const [pending, approved, tables, st] = await Promise.all([
    ctx.get("/v1/routes/pending"), ctx.get("/v1/routes/approved"), ctx.get("/v1/route-tables"), ctx.get("/v1/status")]);
  const msg = h("p", { id: "routes-msg", role: "status", class: note.cls }, note.text);
  // An action's outcome stays on the page, which reads the lists again.
  const act = (label, cls, fn) => h("button", { type: "button", class: cls, onclick: async (e) => {
    e.target.disabled = true;
    try { note = { text: await fn(), cls: "" }; } catch (err) { note = { text: err.message, cls: "error" }; }
    msg.textContent = note.text; msg.className = note.cls;
    setTimeout(() => { const y = window.scrollY; const box = h("div", {}); render(box, ctx).then(() => { el.replaceChildren(...box.childNodes); window.scrollTo(0, y); }); }, 300);
  } }, label);
  const op = ctx.canOperate();
  el.append(h("h2", {}, "Routes"), msg,
    h("h3", {}, "Pending approval"),
    op ? null : h("p", { class: "muted" }, `Your role (${ctx.role}) may look; approving needs operator or admin.`),
    table(["Site", "Prefix", "Transit", ...(op ? ["Actions"] : [])], pending.map((p) => ({ attrs: { "data-site": p.site, "data-prefix": p.prefix },
      cells: [p.site, p.prefix, p.transit, ...(op ? [act(`Approve ${p.prefix}`, "approve", async () => {
        const r = await ctx.api("POST", "/v1/routes/approve", { site: p.site, prefix: p.prefix });
        return `Approved ${r.prefix} from ${r.site} at ${r.transit}.`;
      }), " ", act(`Reject ${p.prefix}`, "danger reject", async () => {
        const r = await ctx.api("POST", "/v1/routes/reject", { site: p.site, prefix: p.prefix });
        return `Rejected ${r.prefix} from ${r.site}: the transit keeps holding it.`;
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
