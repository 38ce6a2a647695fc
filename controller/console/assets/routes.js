// The Routes page: on-prem routes waiting for approval (approve or
// reject, for operators and admins), those approved (revoke), every spoke route table
// as the cloud holds it, and each transit gateway's routes.
import { h, table } from "./app.js";

let note = { text: "", cls: "" };
// The number of the newest reading of the lists after an action: one begun
// before a later action (a reject right after an approve) may finish last,
// and would bring back the lists and the outcome from before that action.
let latest = 0;

// render draws the Routes page into el.
export function render(el, ctx) {
  return draw(el, el, ctx);
}

// draw fills box with the page shown in el: el itself, or a new element
// whose children replace el's once the lists are read. Its buttons read
// them again into el, the page, not into the box they were drawn in.
async function draw(box, el, ctx) {
  const [pending, approved, tables, st] = await Promise.all([
    ctx.get("/v1/routes/pending"), ctx.get("/v1/routes/approved"), ctx.get("/v1/route-tables"), ctx.get("/v1/status")]);
  const msg = h("p", { id: "routes-msg", role: "status", class: note.cls }, note.text);
  // An action's outcome stays on the page, which reads the lists again.
  const act = (label, cls, fn) => h("button", { type: "button", class: cls, onclick: async (e) => {
    e.target.disabled = true;
    try { note = { text: await fn(), cls: "" }; } catch (err) { note = { text: err.message, cls: "error" }; }
    msg.textContent = note.text; msg.className = note.cls;
    const n = ++latest;
    setTimeout(() => {
      const fresh = h("div", {});
      draw(fresh, el, ctx).then(() => {
        if (n !== latest) return; // a later action's reading is newer
        const y = window.scrollY; el.replaceChildren(...fresh.childNodes); window.scrollTo(0, y);
      });
    }, 300);
  } }, label);
  const op = ctx.canOperate();
  box.append(h("h2", {}, "Routes"), msg,
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
    box.append(h("h4", {}, g.name), table(["Prefix", "Next hops"], ((d.status || {}).routes || []).map((r) => [r.prefix, (r.next_hops || []).join(", ")]), "Routes of " + g.name));
  }
}
