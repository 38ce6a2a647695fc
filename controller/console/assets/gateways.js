// The Gateways page: every gateway with its tunnels and BGP sessions up,
// and one gateway's whole status (#/gateways/NAME): HPE groups, tunnels
// with their counters, BGP sessions, routes and segmentation drops.
import { h, table, state, bytes } from "./app.js";

const upDown = (up, n) => state(n === 0 ? "" : up >= n ? "up" : up === 0 ? "down" : "degraded");

export async function render(el, ctx, name) {
  el.append(h("h2", {}, name ? "Gateway " + name : "Gateways"));
  if (name) return detail(el, ctx, name);
  const st = await ctx.get("/v1/status");
  el.append(h("p", { class: "muted" }, st.converged ? "The lab has converged." : "Waiting: " + (st.waiting || []).join("; ")),
    table(["Gateway", "Role", "Group", "Instance", "Private IP", "Public IP", "Tunnels up", "BGP up", "State"], st.gateways.map((g) => ({
      cls: "", attrs: { "data-gateway": g.name },
      cells: [h("a", { href: "#/gateways/" + encodeURIComponent(g.name) }, g.name), g.role, g.group, g.instance_id || "—", g.private_ip, g.public_ip || "",
        { num: `${g.tunnels_up}/${g.tunnels}` }, { num: `${g.sessions_up}/${g.sessions}` }, upDown(g.tunnels_up + g.sessions_up, g.tunnels + g.sessions)],
    })), "Gateways"));
}

async function detail(el, ctx, name) {
  const d = await ctx.get("/v1/gateways/" + encodeURIComponent(name));
  const st = d.status || { tunnels: [], sessions: [], routes: [] };
  el.append(
    h("p", {}, h("a", { href: "#/gateways" }, "← all gateways"), " · ", h("a", { href: "#/map/" + encodeURIComponent(name) }, "on the map")),
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "muted" }, "State"), d.up ? state("up") : state("down")),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Role / group"), `${d.role} · ${d.group}`),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Instance"), d.instance_id || "—"),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Addresses"), `${d.private_ip}${d.public_ip ? " · " + d.public_ip : ""}`),
      h("div", { class: "card" }, h("div", { class: "muted" }, "Tunnels up"), `${d.tunnels_up}/${d.tunnels}`),
      h("div", { class: "card" }, h("div", { class: "muted" }, "BGP up"), `${d.sessions_up}/${d.sessions}`)),
    h("h3", {}, "HPE groups (tunnels per peer gateway)"),
    table(["Peer gateway", "Tunnels", "Up"], d.groups.map((g) => [h("a", { href: "#/gateways/" + encodeURIComponent(g.peer) }, g.peer),
      g.tunnels.join(", "), upDown(g.tunnels_up, g.tunnels.length)]), "HPE groups"),
    h("h3", {}, "Tunnels"),
    table(["Peer", "Interface", "State", "Endpoint", "Rx", "Tx", "Rx packets", "Tx packets", "Last handshake"], (st.tunnels || []).map((t) => [
      t.peer, t.interface, state(t.state), t.endpoint || "", { num: bytes(t.rx_bytes) }, { num: bytes(t.tx_bytes) },
      { num: t.rx_packets }, { num: t.tx_packets }, t.last_handshake ? new Date(t.last_handshake).toLocaleTimeString() : ""]), "Tunnels"),
    h("h3", {}, "BGP sessions"),
    table(["Peer", "Address", "ASN", "State", "Up for", "Received", "Accepted", "Advertised", "Held for approval"], (st.sessions || []).map((x) => [
      x.name, x.address, { num: x.asn }, state(x.state === "established" ? "up" : "down"), { num: x.uptime_seconds + " s" },
      { num: x.received }, { num: x.accepted }, { num: x.advertised }, (x.filtered || []).join(", ")]), "BGP sessions"),
    h("h3", {}, `Routes (${(st.routes || []).length})`),
    table(["Prefix", "Next hops"], (st.routes || []).map((r) => [r.prefix, (r.next_hops || []).join(", ")]), "Routes"),
    h("h3", {}, "Segmentation drops"),
    table(["From domain", "To domain", "Packets", "Bytes"], (st.segmentation || []).map((x) => [x.from, x.to, { num: x.packets }, { num: bytes(x.bytes) }]), "Drops"));
}
