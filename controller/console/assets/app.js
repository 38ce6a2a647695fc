// The console's shell: sign-in, the API client, the live stream and the
// router that shows one page at a time. Each page is a module exporting
// render(el, ctx) and, when it follows the stream, onGraph/onLog.
import * as map from "./map.js";
import * as gateways from "./gateways.js";
import * as routes from "./routes.js";
import * as segmentation from "./segmentation.js";
import * as flowiq from "./flowiq.js";
import * as flightpath from "./flightpath.js";
import * as tracker from "./tracker.js";
import * as events from "./events.js";

const pages = { map, gateways, routes, segmentation, flowiq, flightpath, tracker, events };
const $ = (id) => document.getElementById(id);

// ctx is what every page gets: the API, the role, the last graph.
const ctx = {
  token: sessionStorage.getItem("mcnlab-token") || "",
  role: "", name: "", graph: null,
  // api calls the controller's REST API with the token; it throws an Error
  // carrying the API's message on an answer other than 2xx.
  async api(method, path, body) {
    const r = await fetch(path, {
      method, headers: { Authorization: "Bearer " + ctx.token, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let v = null;
    try { v = text ? JSON.parse(text) : null; } catch { v = text; }
    if (!r.ok) {
      const e = new Error((v && v.error) || `${method} ${path}: ${r.status}`);
      e.status = r.status;
      throw e;
    }
    return v;
  },
  get: (path) => ctx.api("GET", path),
  // canOperate: the role may change things (approve, revoke).
  canOperate: () => ctx.role === "operator" || ctx.role === "admin",
  announce(msg) { $("live").textContent = msg; },
};

let current = null;   // the page shown
let stream = null;    // the AbortController of the live stream

async function signIn(token) {
  ctx.token = token;
  const who = await ctx.get("/v1/whoami");
  ctx.role = who.role; ctx.name = who.name || "";
  sessionStorage.setItem("mcnlab-token", token);
  const st = await ctx.get("/v1/status").catch(() => null);
  $("lab").textContent = st ? "· lab " + st.lab : "";
  $("role").textContent = (ctx.name ? ctx.name + " · " : "") + ctx.role;
  $("signin").hidden = true; $("nav").hidden = false; $("who").hidden = false;
  document.body.dataset.role = ctx.role;
  startStream();
  route();
}

function signOut() {
  sessionStorage.removeItem("mcnlab-token");
  ctx.token = ""; ctx.role = "";
  if (stream) stream.abort();
  $("nav").hidden = true; $("who").hidden = true; $("page").replaceChildren();
  $("signin").hidden = false; $("token").value = ""; $("token").focus();
  delete document.body.dataset.role;
}

// startStream reads GET /v1/stream (server-sent events) with fetch, which,
// unlike EventSource, sends the Authorization header; it reconnects after
// a second when the connection drops.
async function startStream() {
  if (stream) stream.abort();
  const ac = new AbortController();
  stream = ac;
  while (!ac.signal.aborted) {
    try {
      const r = await fetch("/v1/stream", { headers: { Authorization: "Bearer " + ctx.token }, signal: ac.signal });
      if (!r.ok) throw new Error("stream: " + r.status);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          dispatch(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {
      if (ac.signal.aborted) return;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

// dispatch hands one server-sent event to the page shown.
function dispatch(block) {
  let event = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (!data) return;
  const v = JSON.parse(data);
  if (event === "graph") {
    ctx.graph = v;
    document.body.dataset.graphAt = String(Date.now());
    if (current && current.onGraph) current.onGraph(v);
  } else if (event === "log" && current && current.onLog) {
    current.onLog(v);
  }
}

// route shows the page the address names: #/page/arg.
function route() {
  if (!ctx.role) return;
  const [, name = "map", arg = ""] = location.hash.split("/");
  const page = pages[name] || map;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === "#/" + (pages[name] ? name : "map")) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  current = page;
  const el = $("page");
  el.replaceChildren();
  page.render(el, ctx, decodeURIComponent(arg)).catch((e) => {
    el.append(h("p", { class: "error", role: "alert" }, e.message));
  });
}

// setAttr sets one attribute. A style goes through the CSSOM (el.style):
// the console's Content-Security-Policy (default-src 'self', console.go)
// refuses style attributes, and the browser would drop the colours.
function setAttr(el, k, v) {
  if (k === "style") el.style.cssText = v;
  else el.setAttribute(k, v === true ? "" : v);
}

// h makes an element: h("td", {class: "num"}, "3", child...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else setAttr(el, k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// svg makes an SVG element: svg("line", {x1: 0, stroke: "#000"}, child...).
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) setAttr(el, k, v);
  el.append(...children);
  return el;
}

// table makes a table from a header row and rows of cells (strings or
// elements); a cell {num: x} is right-aligned, a row may be {cls, cells}.
export function table(head, rows, caption) {
  const cell = (c) => (c && c.num !== undefined ? h("td", { class: "num" }, c.num) : h("td", {}, c));
  return h("div", { class: "scroll" }, h("table", {},
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.length ? rows.map((r) => Array.isArray(r) ? h("tr", {}, r.map(cell)) : h("tr", { class: r.cls, ...r.attrs }, r.cells.map(cell)))
      : h("tr", {}, h("td", { colspan: head.length, class: "muted" }, "none")))));
}

// state is a coloured state word.
export function state(s) { return h("span", { class: "state-" + (s || "unknown") }, s || "unknown"); }

// bytes writes a byte count for people.
export function bytes(n) {
  const u = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}

window.addEventListener("hashchange", route);
$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  try {
    await signIn($("token").value.trim());
  } catch (err) {
    ctx.token = "";
    $("signin-error").textContent = err.status === 401 ? "That token is unknown or revoked." : err.message;
  }
});
$("signout").addEventListener("click", signOut);
// A link of the form /ui/#token=T signs in with T and forgets it from the address.
const m = location.hash.match(/^#token=(.+)$/);
if (m) { ctx.token = decodeURIComponent(m[1]); history.replaceState(null, "", location.pathname + "#/map"); }
if (ctx.token) signIn(ctx.token).catch(() => signOut()); else signOut();
