// The lab's PKI timeline: one row per device, a bar per certificate it
// holds, marks for past events and pending timers, a line at the lab clock.
// Data: GET /v1/pki and /v1/events; live: the server-sent events of
// /v1/stream; jumps: POST /v1/clock/advance|set, as `iosemu ctl` does.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const DAY = 86400000;
const ROLE = { "CA": "ca", "CA rollover": "carollover", "ID": "id", "ID rollover": "idrollover" };
const COLOR = { ca: "#2f6fb5", carollover: "#8a4fc7", id: "#2e8b57", idrollover: "#e08e0b" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

let pki = null;      // the last GET /v1/pki
let events = [];     // the event history, oldest first
let nowMs = 0;       // the lab clock at the last update
let nowWall = 0;     // performance.now() then (a running clock moves on)
let busy = false;    // a jump is running
let loading = false, again = false;

// ms parses an RFC 3339 time (Go writes up to nine fraction digits).
function ms(s) { return Date.parse(s.replace(/(\.\d{3})\d+/, "$1")); }
function ymd(t) { return new Date(t).toISOString().slice(0, 10); }
function fmt(t) {
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}
function day(t) { const d = new Date(t); return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`; }
function el(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function text(parent, x, y, s, cls, anchor) {
  const t = el("text", { x, y, class: cls || "" }, parent);
  if (anchor) t.setAttribute("text-anchor", anchor);
  t.textContent = s;
  return t;
}

// A mark worth drawing: CRL updates come every few hours and would drown
// the page, so they stay in /v1/events and the log below but get no mark.
function marked(e) {
  if (e.kind === "timer") return !e.text.startsWith("CS CRL UPDATE");
  if (e.kind === "debug") return /shadow|expired|rollover|generated/i.test(e.text);
  return !/AUTOSAVE/.test(e.text);
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.json().catch(() => ({}))).error || ""}`);
  return r.json();
}

// refresh fetches the state; calls during a fetch coalesce into one more.
async function refresh() {
  if (loading) { again = true; return; }
  loading = true;
  try {
    for (let first = true; first || again; first = false) {
      // During a jump events come fast: at most four refreshes a second.
      if (!first) await new Promise((r) => setTimeout(r, 250));
      again = false;
      const since = events.length ? events[events.length - 1].time : "";
      const [p, ev] = await Promise.all([
        getJSON("/v1/pki"),
        getJSON("/v1/events" + (since ? "?since=" + encodeURIComponent(since) : "")),
      ]);
      if (since) {
        const cut = ms(since);
        events = events.filter((e) => ms(e.time) < cut);
      }
      events = events.concat(ev);
      pki = p;
      nowMs = ms(p.now);
      nowWall = performance.now();
      draw();
    }
  } catch (err) {
    status(err.message, true);
  } finally {
    loading = false;
  }
}

function labNow() {
  if (!pki || pki.frozen) return nowMs;
  return nowMs + (performance.now() - nowWall) * pki.scale;
}

function status(s, err) {
  const st = document.getElementById("status");
  st.textContent = s;
  st.className = "status" + (err ? " err" : "");
}

// nextTimer is the earliest pending PKI timer (CRL updates left out).
function nextTimer() {
  let best = null;
  for (const d of pki ? pki.devices : []) {
    for (const t of d.timers) {
      if (t.name.startsWith("CS CRL UPDATE") || t.name.startsWith("SESSION CLEANUP")) continue;
      if (!best || ms(t.due) < ms(best.due)) best = { ...t, device: d.name };
    }
  }
  return best;
}

function draw() {
  const now = labNow();
  document.getElementById("now").textContent = fmt(now);
  document.getElementById("mode").textContent = pki.frozen ? "frozen: only jumps move it" : `running ×${pki.scale}`;
  const nt = nextTimer();
  const next = document.getElementById("next");
  next.disabled = busy || !nt;
  next.textContent = nt ? `Next: ${nt.name} · ${nt.device} · ${day(ms(nt.due))}` : "Next event";

  // The time range: every certificate, every marked event and timer, now.
  let lo = now, hi = now;
  for (const d of pki.devices) {
    for (const c of d.certs) { lo = Math.min(lo, ms(c.not_before)); hi = Math.max(hi, ms(c.not_after)); }
    for (const t of d.timers) if (!t.name.startsWith("CS CRL UPDATE")) hi = Math.max(hi, ms(t.due));
  }
  for (const e of events) if (marked(e)) lo = Math.min(lo, ms(e.time));
  const lo0 = new Date(lo), hi0 = new Date(hi);
  lo = Date.UTC(lo0.getUTCFullYear(), lo0.getUTCMonth(), 1);
  hi = Date.UTC(hi0.getUTCFullYear(), hi0.getUTCMonth() + 1, 1);

  const chart = document.getElementById("chart");
  const W = Math.max(900, chart.clientWidth || 1200);
  const LEFT = 190, RIGHT = 24, TOP = 46, LANE = 20, MARKS = 22, PAD = 10;
  const x = (t) => LEFT + (t - lo) / (hi - lo) * (W - LEFT - RIGHT);
  const rows = pki.devices.map((d) => {
    const certs = d.certs.slice().sort((a, b) => ms(a.not_before) - ms(b.not_before) || (a.role < b.role ? -1 : 1));
    return { d, certs, h: PAD + Math.max(certs.length, 1) * LANE + MARKS + PAD };
  });
  const H = TOP + rows.reduce((s, r) => s + r.h, 0) + 8;
  const svg = el("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: "timeline" });

  // Axis: a line a month, a label a quarter (a year when the range is long).
  const years = (hi - lo) / (365 * DAY);
  const step = years > 6 ? 12 : years > 2.5 ? 6 : 3;
  for (let m = new Date(lo); m.getTime() <= hi; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const t = m.getTime(), xx = x(t);
    const major = m.getUTCMonth() % step === 0;
    el("line", { x1: xx, x2: xx, y1: TOP - 38, y2: H - 8, stroke: major ? "#d9dee5" : "#f0f2f5", "stroke-width": 1 }, svg);
    if (major) text(svg, xx + 3, TOP - 26, `${MONTHS[m.getUTCMonth()]} ${m.getUTCFullYear()}`, "axis");
  }

  let y = TOP;
  for (const r of rows) {
    const g = el("g", { class: "row", "data-device": r.d.name }, svg);
    el("rect", { x: 0, y, width: W, height: r.h, fill: rows.indexOf(r) % 2 ? "#fbfcfd" : "#ffffff", opacity: 0.6 }, g);
    el("line", { x1: 0, x2: W, y1: y, y2: y, stroke: "#e3e7ec" }, g);
    text(g, 14, y + 22, r.d.name, "dev");
    text(g, 14, y + 38, r.d.clock, "devsub");
    const held = r.certs.length ? `${r.certs.length} certificate${r.certs.length > 1 ? "s" : ""}` : "no certificates";
    text(g, 14, y + 52, held, "devsub");
    r.certs.forEach((c, i) => {
      const role = ROLE[c.role] || "id";
      const x1 = x(ms(c.not_before)), x2 = x(ms(c.not_after));
      const by = y + PAD + i * LANE;
      const expired = ms(c.not_after) <= now, future = ms(c.not_before) > now;
      const bar = el("rect", {
        x: x1, y: by + 2, width: Math.max(2, x2 - x1), height: LANE - 5, rx: 4,
        fill: COLOR[role], opacity: expired ? 0.35 : future ? 0.7 : 1,
        class: "bar " + role, "data-device": r.d.name, "data-role": c.role, "data-title": c.title,
        "data-serial": c.serial, "data-start": ymd(ms(c.not_before)), "data-end": ymd(ms(c.not_after)),
      }, g);
      if (future) { bar.setAttribute("stroke", COLOR[role]); bar.setAttribute("stroke-dasharray", "4 2"); }
      bar.addEventListener("mousemove", (ev) => tip(ev, `${r.d.name}#show crypto pki certificates\n…\n${c.show.trimEnd()}`));
      bar.addEventListener("mouseleave", untip);
      const label = `${c.title} · #${c.serial} · ${day(ms(c.not_before))} → ${day(ms(c.not_after))}`;
      const lt = text(g, x1 + 6, by + LANE - 7, label, "barlabel");
      lt.setAttribute("clip-path", `url(#clip-${r.d.name}-${i})`);
      const cp = el("clipPath", { id: `clip-${r.d.name}-${i}` }, g);
      el("rect", { x: x1, y: by, width: Math.max(0, x2 - x1 - 4), height: LANE }, cp);
    });
    // Marks: past events on the marks lane, pending timers as hollow diamonds.
    const my = y + PAD + Math.max(r.certs.length, 1) * LANE + MARKS / 2;
    el("line", { x1: LEFT, x2: W - RIGHT, y1: my, y2: my, stroke: "#e3e7ec", "stroke-dasharray": "2 3" }, g);
    for (const e of events) {
      if (e.device !== r.d.name || !marked(e)) continue;
      const xx = x(ms(e.time));
      const m = e.kind === "timer"
        ? el("rect", { x: xx - 4, y: my - 4, width: 8, height: 8, fill: "#5d6d7e", transform: `rotate(45 ${xx} ${my})`, class: "mark past", "data-text": e.text }, g)
        : el("circle", { cx: xx, cy: my, r: 4, fill: "#1d2733", class: "mark past", "data-text": e.text }, g);
      m.addEventListener("mousemove", (ev) => tip(ev, `${fmt(ms(e.time))}  ${r.d.name}\n${e.text}`));
      m.addEventListener("mouseleave", untip);
    }
    for (const t of r.d.timers) {
      if (t.name.startsWith("CS CRL UPDATE")) continue;
      const xx = x(ms(t.due));
      const m = el("rect", { x: xx - 5, y: my - 5, width: 10, height: 10, fill: "#fff", stroke: "#1d2733", "stroke-width": 1.5, transform: `rotate(45 ${xx} ${my})`, class: "mark pending", "data-text": t.name }, g);
      m.addEventListener("mousemove", (ev) => tip(ev, `pending: ${t.name}\nfires ${fmt(ms(t.due))}`));
      m.addEventListener("mouseleave", untip);
    }
    y += r.h;
  }
  // The lab clock.
  const nx = x(now);
  el("line", { x1: nx, x2: nx, y1: TOP - 16, y2: H - 6, stroke: "#d93636", "stroke-width": 2, id: "nowline" }, svg);
  const lbl = text(svg, nx + (nx > W - 170 ? -4 : 4), TOP - 6, `now · ${day(now)}`, "axis", nx > W - 170 ? "end" : "start");
  lbl.setAttribute("fill", "#d93636");
  chart.replaceChildren(svg);
  drawLog();
}

function drawLog() {
  const body = document.getElementById("log");
  const rows = [];
  for (let i = events.length - 1; i >= 0 && rows.length < 12; i--) {
    const e = events[i];
    if (!marked(e)) continue;
    const tr = document.createElement("tr");
    const first = e.text.split("\n")[0];
    for (const s of [fmt(ms(e.time)), e.device, (e.kind === "timer" ? "timer fired: " : "") + first]) {
      const td = document.createElement("td");
      td.textContent = s;
      tr.appendChild(td);
    }
    tr.title = e.text;
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

const tipEl = () => document.getElementById("tip");
function tip(ev, s) {
  const t = tipEl();
  t.textContent = s;
  t.hidden = false;
  const w = t.offsetWidth, h = t.offsetHeight;
  t.style.left = Math.min(ev.clientX + 14, window.innerWidth - w - 8) + "px";
  t.style.top = (ev.clientY + 14 + h > window.innerHeight ? Math.max(4, ev.clientY - h - 10) : ev.clientY + 14) + "px";
}
function untip() { tipEl().hidden = true; }

// jump posts a clock jump and reads its progress stream to the end.
async function jump(path, body) {
  if (busy) return;
  busy = true;
  for (const b of document.querySelectorAll("nav button")) b.disabled = true;
  status("jumping…");
  try {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || `HTTP ${r.status}`);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = "", last = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        last = JSON.parse(line);
        if (!last.done) status(`jumping… ${Math.floor(last.percent)}% (${last.elapsed} of ${last.total})`);
      }
    }
    if (!last || !last.done) throw new Error("the jump's stream was cut off");
    if (last.error) throw new Error(last.error);
    status(`jumped to ${fmt(ms(last.now))}: ${last.enrolments} certificates received, ${last.renewals} renewals, ${last.rollovers} rollovers`);
  } catch (err) {
    status("jump failed: " + err.message, true);
  } finally {
    busy = false;
    for (const b of document.querySelectorAll("nav button")) b.disabled = false;
    refresh();
  }
}

function start() {
  document.getElementById("plus1").addEventListener("click", () => jump("/v1/clock/advance", { by: "1d" }));
  document.getElementById("plus30").addEventListener("click", () => jump("/v1/clock/advance", { by: "30d" }));
  document.getElementById("next").addEventListener("click", () => {
    const t = nextTimer();
    if (t) jump("/v1/clock/set", { to: t.due });
  });
  document.getElementById("go").addEventListener("click", () => {
    const v = document.getElementById("date").value;
    if (!v) { status("choose a date", true); return; }
    const to = Date.parse(v + "T00:00:00Z");
    if (to <= labNow()) { status(`the lab clock only moves forward: ${v} is before ${day(labNow())}`, true); return; }
    jump("/v1/clock/set", { to: v + "T00:00:00Z" });
  });
  window.addEventListener("resize", () => pki && draw());
  // A running clock moves the now line without an event.
  setInterval(() => { if (pki && !pki.frozen) draw(); }, 1000);
  const es = new EventSource("/v1/stream");
  es.addEventListener("change", () => refresh());
  es.onerror = () => status("lost the lab's event stream; retrying…", true);
  es.onopen = () => { if (document.getElementById("status").classList.contains("err")) status(""); };
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
