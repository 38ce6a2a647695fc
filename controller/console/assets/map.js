// The Map page: clouds → regions → networks → gateways and firewalls, and
// on-prem sites, as nested boxes drawn in SVG; tunnels, private lines and
// FireNet attachments as edges coloured by state. It redraws on every
// graph the stream sends, and a click (or Enter) on a node shows its
// detail beside the map.
import { h, table, state, svg as svgEl } from "./app.js";

const LEAF = { w: 156, h: 46 };
const PAD = 10, GAP = 12, TITLE = 36;

let selected = "";
let ctxRef = null;

const s = svgEl;

// rowsOf lays a box's children out in rows: on-prem sites above the
// clouds; in a region, the networks that hold a transit gateway above
// the spokes' (three to a row); two gateways to a row in a network; one
// region to a row in a cloud.
function rowsOf(n, cs, kids) {
  const chunk = (xs, k) => Array.from({ length: Math.ceil(xs.length / k) }, (_, i) => xs.slice(i * k, i * k + k));
  switch (n.kind) {
    case "root": return [cs.filter((c) => c.id === "on-prem"), cs.filter((c) => c.id !== "on-prem")].filter((r) => r.length);
    case "region": {
      const transit = (c) => (kids[c.id] || []).some((g) => (g.detail || "").startsWith("transit"));
      return [cs.filter(transit), ...chunk(cs.filter((c) => !transit(c)), 3)].filter((r) => r.length);
    }
    case "network": return chunk(cs, 2);
    default: return chunk(cs, 1);
  }
}

const isLeaf = (n, kids) => n.kind === "gateway" || n.kind === "firewall" || !(kids[n.id] || []).length && n.kind === "site";

// measure sets n.w and n.h from its children, laid out in rows, each row
// centred.
function measure(n, kids) {
  const cs = kids[n.id] || [];
  if (isLeaf(n, kids)) { n.w = LEAF.w; n.h = LEAF.h; return; }
  cs.forEach((c) => measure(c, kids));
  const pad = n.kind === "root" ? 0 : PAD;
  const gap = n.kind === "root" || n.kind === "region" ? 3 * GAP : GAP;
  const rows = rowsOf(n, cs, kids);
  const widths = rows.map((row) => row.reduce((a, c) => a + c.w, 0) + GAP * (row.length - 1));
  const inner = Math.max(0, ...widths, n.kind === "root" ? 0 : 180 - 2 * pad);
  let y = n.kind === "root" ? 0 : TITLE;
  rows.forEach((row, i) => {
    let x = pad + (inner - widths[i]) / 2;
    for (const c of row) { c.rx = x; c.ry = y; x += c.w + GAP; }
    y += Math.max(...row.map((c) => c.h)) + gap;
  });
  n.w = inner + 2 * pad;
  n.h = cs.length ? y - gap + pad : TITLE + 6;
}

// place sets absolute positions.
function place(n, kids, x, y) {
  n.x = x; n.y = y;
  for (const c of kids[n.id] || []) place(c, kids, x + c.rx, y + c.ry);
}

// effective is an edge's state as drawn: down when either end is down
// (its tunnels go nowhere), else what the controller reports.
function effective(e, byID) {
  const a = byID[e.from], b = byID[e.to];
  if ((a && a.state === "down") || (b && b.state === "down")) return "down";
  return e.state || "";
}

function draw(g) {
  const byID = {}, kids = {};
  const root = { id: "", kind: "root" };
  for (const n of g.nodes) byID[n.id] = { ...n };
  for (const n of Object.values(byID)) (kids[n.parent || ""] ||= []).push(n);
  measure(root, kids);
  place(root, kids, 0, 0);
  const W = Math.max(root.w, 200), H = Math.max(root.h, 100);
  const svg = s("svg", { viewBox: `-4 -4 ${W + 8} ${H + 8}`, width: "100%", role: "img",
    "aria-label": `Map of ${g.name}: ${g.nodes.filter((n) => n.kind === "gateway").length} gateways`, style: `max-width:${Math.round((W + 8) * 1.6)}px` });
  const boxes = s("g"), edges = s("g"), leaves = s("g");
  svg.append(boxes, edges, leaves);
  for (const n of Object.values(byID)) {
    if (isLeaf(n, kids)) {
      const st = n.kind === "site" ? siteState(n, g, byID) : (n.state || "");
      const node = s("g", { class: "node " + n.kind + (n.id === selected ? " selected" : ""), "data-id": n.id, "data-kind": n.kind,
        "data-state": st, tabindex: "0", role: "button", "aria-label": `${n.kind} ${n.label}${st ? ", " + st : ""}` },
      s("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.kind === "gateway" ? 22 : 4 }),
      s("text", { x: n.x + 12, y: n.y + 19 }, n.label + (st === "down" ? " ✕" : "")),
      s("text", { x: n.x + 12, y: n.y + 36, class: "sub" }, (n.detail || n.kind).slice(0, 24)),
      s("title", {}, `${n.label}: ${n.detail || n.kind}${st ? " (" + st + ")" : ""}`));
      node.addEventListener("click", () => select(n, g));
      node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(n, g); } });
      leaves.append(node);
    } else {
      boxes.append(s("g", { class: "box " + n.kind, "data-id": n.id },
        s("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: 6 }),
        s("text", { x: n.x + 8, y: n.y + 16 }, `${n.kind === "network" ? "" : n.kind + " "}${n.label}`),
        n.detail ? s("text", { x: n.x + 8, y: n.y + 30, class: "sub" }, n.detail) : ""));
    }
  }
  const pairs = {};
  for (const e of g.edges) {
    const a = byID[e.from], b = byID[e.to];
    if (!a || !b) continue;
    const k = [e.from, e.to].sort().join("|");
    const bend = (pairs[k] = (pairs[k] || 0) + 1) * 18;
    const ax = a.x + a.w / 2, ay = a.y + a.h / 2, bx = b.x + b.w / 2, by = b.y + b.h / 2;
    const mx = (ax + bx) / 2 - (by - ay) / Math.hypot(bx - ax, by - ay || 1) * bend;
    const my = (ay + by) / 2 + (bx - ax) / Math.hypot(bx - ax, by - ay || 1) * bend;
    const st = effective(e, byID);
    const what = e.kind === "tunnels" ? `${e.tunnels_up || 0}/${e.tunnels} tunnels up, BGP ${e.sessions_up || 0}/${e.sessions}` : e.kind;
    edges.append(s("path", { class: "edge " + e.kind, d: `M${ax},${ay} Q${mx},${my} ${bx},${by}`, "data-from": e.from, "data-to": e.to,
      "data-kind": e.kind, "data-state": st, "stroke-width": e.kind === "tunnels" ? 2 + Math.min(e.tunnels, 4) : 3 },
    s("title", {}, `${a.label} — ${b.label}: ${what} (${st || "no state"})`)));
  }
  return svg;
}

// siteState is a site's: that of its private line(s), when it has any.
function siteState(n, g, byID) {
  const es = g.edges.filter((e) => e.to === n.id || e.from === n.id);
  if (!es.length) return "";
  const ss = es.map((e) => effective(e, byID));
  return ss.every((x) => x === "up") ? "up" : ss.every((x) => x === "down") ? "down" : "degraded";
}

async function select(n, g) {
  selected = n.id;
  document.querySelectorAll("#map .node").forEach((el) => el.classList.toggle("selected", el.dataset.id === n.id));
  const d = document.getElementById("detail");
  if (!d) return;
  const edges = g.edges.filter((e) => e.from === n.id || e.to === n.id);
  const name = (id) => id.replace(/^[a-z]+:/, "");
  const body = [h("h3", {}, `${n.kind} ${n.label}`), n.detail ? h("p", { class: "muted" }, n.detail) : null,
    n.state ? h("p", {}, "State: ", state(n.state)) : null,
    edges.length ? table(["Peer", "Kind", "Tunnels up", "BGP up", "State"], edges.map((e) => [
      name(e.from === n.id ? e.to : e.from), e.kind, e.tunnels ? `${e.tunnels_up || 0}/${e.tunnels}` : "",
      e.sessions ? `${e.sessions_up || 0}/${e.sessions}` : "", state(e.state)]), "Edges") : null];
  d.replaceChildren(h("div", { class: "card", id: "node-detail", "data-id": n.id }, body));
  if (n.kind !== "gateway") return;
  try {
    const gd = await ctxRef.get("/v1/gateways/" + encodeURIComponent(n.label));
    const st = gd.status || { tunnels: [], sessions: [], routes: [] };
    d.firstChild.append(
      h("p", {}, `Instance ${gd.instance_id || "—"}, ${gd.private_ip}${gd.public_ip ? ", public " + gd.public_ip : ""}`),
      h("h3", {}, "BGP sessions"),
      table(["Peer", "State", "Received", "Advertised"], (st.sessions || []).map((x) => [x.name, state(x.state === "established" ? "up" : "down"), { num: x.received }, { num: x.advertised }]), "BGP sessions"),
      h("h3", {}, `Routes (${(st.routes || []).length})`),
      table(["Prefix", "Next hops"], (st.routes || []).slice(0, 12).map((r) => [r.prefix, (r.next_hops || []).join(", ")]), "Routes"),
      h("p", {}, h("a", { href: "#/gateways/" + encodeURIComponent(n.label) }, `All of ${n.label}: tunnels, counters, HPE groups →`)));
  } catch (e) {
    d.firstChild.append(h("p", { class: "error" }, e.message));
  }
}

function show(g) {
  const el = document.getElementById("map");
  if (!el) return;
  el.replaceChildren(draw(g));
  const gws = g.nodes.filter((n) => n.kind === "gateway");
  const down = gws.filter((n) => n.state === "down").length;
  document.getElementById("map-summary").textContent =
    `${gws.length} gateways, ${down} down; ${g.edges.length} edges. Live: updates as the controller reads the gateways.`;
  if (!document.body.dataset.mapReady) document.body.dataset.mapReady = String(performance.now());
}

export async function render(el, ctx, arg) {
  ctxRef = ctx;
  el.append(h("h2", {}, "Map"),
    h("p", { class: "legend", "aria-label": "Legend" }, h("span", { class: "state-up" }, "up"), h("span", { class: "state-degraded" }, "degraded"),
      h("span", { class: "state-down" }, "down"), h("span", { class: "muted" }, "no state")),
    h("p", { id: "map-summary", class: "muted", "aria-live": "polite" }),
    h("div", { class: "map-wrap" }, h("div", { id: "map" }), h("aside", { id: "detail", "aria-label": "Detail" },
      h("p", { class: "muted" }, "Select a gateway, site or firewall for its detail."))));
  if (ctx.graph) show(ctx.graph);
  const g = await ctx.get("/v1/graph");
  if (!ctx.graph) ctx.graph = g;
  show(ctx.graph);
  if (arg) {
    const n = ctx.graph.nodes.find((x) => x.label === arg || x.id === arg);
    if (n) select(n, ctx.graph);
  }
}

export function onGraph(g) {
  show(g);
  if (selected) {
    const n = g.nodes.find((x) => x.id === selected);
    const d = document.getElementById("node-detail");
    if (n && d && n.kind !== "gateway") select(n, g);
  }
}
