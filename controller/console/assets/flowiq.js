// The FlowIQ page, from the gateways' IPFIX records (GET /v1/flows): the
// top talkers, traffic over time per domain pair and per gateway (the
// page samples the totals every 2 s and draws the bytes between samples),
// and a heat map of domain × domain volume.
import { h, table, bytes, svg as svgEl } from "./app.js";

const SAMPLE_MS = 2000, KEEP = 40;
let timer = null;
const series = { domain: {}, gateway: {} };   // key -> [{t, bytes}]
const lastTotal = { domain: {}, gateway: {} };
const COLORS = ["#0b57d0", "#1e7b34", "#a35a00", "#8e24aa", "#c5221f", "#00796b", "#5d4037", "#37474f"];

function chart(kind) {
  const keys = Object.keys(series[kind]).sort();
  const W = 560, H = 180, L = 56, B = 20;
  const pts = keys.flatMap((k) => series[kind][k]);
  const max = Math.max(1, ...pts.map((p) => p.rate));
  const now = Date.now(), span = Math.max(20000, ...pts.map((p) => now - p.t + SAMPLE_MS));
  const x = (t) => L + (W - L - 8) * (1 - (now - t) / span), y = (v) => H - B - (H - B - 8) * v / max;
  const s = svgEl;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": `Traffic over time per ${kind}`, style: `max-width:${W}px` },
    s("line", { x1: L, y1: H - B, x2: W, y2: H - B, stroke: "#7b8794" }), s("line", { x1: L, y1: 8, x2: L, y2: H - B, stroke: "#7b8794" }),
    s("text", { x: 2, y: 16, "font-size": 11, fill: "#4a5563" }, bytes(max) + "/s"), s("text", { x: 2, y: H - B, "font-size": 11, fill: "#4a5563" }, "0"),
    s("text", { x: L, y: H - 4, "font-size": 11, fill: "#4a5563" }, `last ${Math.round(span / 1000)} s`));
  keys.forEach((k, i) => {
    const ps = series[kind][k];
    if (ps.length) svg.append(s("polyline", { points: ps.map((p) => `${x(p.t).toFixed(1)},${y(p.rate).toFixed(1)}`).join(" "), fill: "none",
      stroke: COLORS[i % COLORS.length], "stroke-width": 2, "data-key": k }));
  });
  const legend = h("p", { class: "legend" }, keys.map((k, i) => h("span", { style: `color:${COLORS[i % COLORS.length]}` }, k)));
  return h("div", { class: "card" }, h("h3", {}, `Traffic over time per ${kind === "domain" ? "domain pair" : "gateway"}`), svg, legend);
}

async function sample(ctx) {
  const now = Date.now();
  for (const kind of ["domain", "gateway"]) {
    const f = await ctx.get("/v1/flows?by=" + kind);
    for (const g of f.groups) {
      const prev = lastTotal[kind][g.key];
      lastTotal[kind][g.key] = { t: now, bytes: g.bytes };
      const list = (series[kind][g.key] ||= []);
      if (prev) list.push({ t: now, rate: Math.max(0, g.bytes - prev.bytes) * 1000 / (now - prev.t) });
      while (list.length > KEEP) list.shift();
    }
  }
}

function heat(groups) {
  const cells = {}, names = new Set();
  for (const g of groups) {
    const [a, b] = g.key.split(">");
    names.add(a); names.add(b);
    cells[g.key] = g;
  }
  const ns = [...names].sort(), max = Math.max(1, ...groups.map((g) => g.bytes));
  return h("div", { class: "scroll" }, h("table", { class: "heat", id: "heatmap" },
    h("caption", {}, "Bytes from row domain to column domain ('-': no domain)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "from \\ to"), ns.map((n) => h("th", { scope: "col" }, n)))),
    h("tbody", {}, ns.map((a) => h("tr", {}, h("th", { scope: "row" }, a), ns.map((b) => {
      const g = cells[a + ">" + b], v = g ? g.bytes / max : 0;
      // Blue scale; text stays dark on the light half and white on the dark.
      const bg = g ? `rgb(${Math.round(230 - 200 * v)},${Math.round(238 - 160 * v)},${Math.round(250 - 60 * v)})` : "#fff";
      return h("td", { style: `background:${bg};color:${v > 0.5 ? "#fff" : "#1b1f24"}`, "data-pair": a + ">" + b, "data-bytes": g ? g.bytes : 0 },
        g ? bytes(g.bytes) + (g.denied ? ` (${g.denied} denied)` : "") : "");
    }))))));
}

async function draw(el, ctx) {
  const [top, dom, gw, app] = await Promise.all([ctx.get("/v1/flows?top=10"), ctx.get("/v1/flows?by=domain"), ctx.get("/v1/flows?by=gateway"), ctx.get("/v1/flows?by=app&top=10")]);
  el.replaceChildren(h("h2", {}, "FlowIQ"),
    h("p", { class: "muted" }, "From the gateways' IPFIX flow records; refreshed every 2 s."),
    h("div", { class: "row" }, chart("domain"), chart("gateway")),
    h("div", { class: "row" },
      h("div", {}, h("h3", {}, "Domain × domain volume"), heat(dom.groups)),
      h("div", {}, h("h3", {}, "Applications"), table(["App", "Flows", "Packets", "Bytes"], app.groups.map((g) => [g.key, { num: g.flows }, { num: g.packets }, { num: bytes(g.bytes) }]), "Applications"))),
    h("h3", {}, "Top talkers"),
    table(["Gateway", "Source", "Destination", "Protocol", "Domains", "Packets", "Bytes", "Action"], top.flows.map((f) => [f.gateway,
      f.src + (f.src_port ? ":" + f.src_port : ""), f.dst + (f.dst_port ? ":" + f.dst_port : ""), f.proto,
      `${f.src_domain || "-"} → ${f.dst_domain || "-"}`, { num: f.packets }, { num: bytes(f.bytes) }, f.action]), "Top talkers"),
    h("h3", {}, "Per gateway"),
    table(["Gateway", "Flows", "Packets", "Bytes", "Denied flows"], gw.groups.map((g) => [g.key, { num: g.flows }, { num: g.packets }, { num: bytes(g.bytes) }, { num: g.denied }]), "Per gateway"));
}

export async function render(el, ctx) {
  clearInterval(timer);
  const box = h("div", { id: "flowiq" });
  el.append(box);
  await sample(ctx);
  await draw(box, ctx);
  timer = setInterval(async () => {
    if (!box.isConnected) { clearInterval(timer); return; }
    try { await sample(ctx); await draw(box, ctx); } catch { /* the next tick tries again */ }
  }, SAMPLE_MS);
}
