#include "dnsd/control/dashboard.h"

namespace dnsd {

namespace {

// Test hooks (stable): #status, #zones tr[data-zone], #pools .pool[data-pool="ZONE/POOL"],
// tr[data-member="POOL/ADDRESS"][data-zone][data-state][data-admin], and inside a member row
// button[data-action="drain"|"undrain"].
constexpr std::string_view kPage = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dnsd dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #222; }
  header { background: #22303c; color: #fff; padding: 10px 18px; display: flex; gap: 18px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  #status { font-size: 12px; opacity: .85; }
  #status.error { color: #ffb3b3; opacity: 1; }
  main { padding: 12px 18px; }
  h2 { font-size: 15px; margin: 18px 0 6px; }
  table { border-collapse: collapse; background: #fff; width: 100%; margin-bottom: 10px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e5e8; vertical-align: top; }
  th { background: #eceef1; font-weight: 600; font-size: 12px; }
  .pool { background: #fff; border: 1px solid #dde0e4; border-radius: 4px; padding: 6px 10px; margin-bottom: 12px; }
  .pool h3 { font-size: 14px; margin: 2px 0 4px; }
  .meta { color: #666; font-size: 12px; }
  .state { display: inline-block; min-width: 64px; text-align: center; border-radius: 3px; padding: 1px 6px;
           color: #fff; font-weight: 600; font-size: 12px; }
  tr[data-state="up"] .state { background: #2e9d4a; }
  tr[data-state="down"] .state { background: #d33b3b; }
  tr[data-state="unknown"] .state { background: #8a8f96; }
  tr[data-admin="drain"] .state { background: #e8a317; }
  tr[data-state="up"] { border-left: 4px solid #2e9d4a; }
  tr[data-state="down"] { border-left: 4px solid #d33b3b; }
  tr[data-admin="drain"] { background: #fff6e0; }
  .err { color: #b52020; }
  button { font: inherit; font-size: 12px; padding: 1px 8px; cursor: pointer; }
</style>
</head>
<body>
<header><h1>dnsd</h1><span id="server"></span><span id="status">loading&hellip;</span></header>
<main>
  <h2>Zones</h2>
  <table id="zones"><thead><tr><th>origin</th><th>serial</th><th>file</th><th>loaded</th><th>last error</th></tr></thead>
    <tbody></tbody></table>
  <h2>Pools</h2>
  <div id="pools"></div>
</main>
<script>
"use strict";
(function () {
  var token = "";
  var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) { token = decodeURIComponent(m[1]); try { sessionStorage.setItem("dnsd-token", token); } catch (e) {} }
  else { try { token = sessionStorage.getItem("dnsd-token") || ""; } catch (e) {} }
  var asked = false;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // POSTs must say application/json: the API refuses any other type (415).
  function headers(json) {
    var h = {};
    if (json) h["Content-Type"] = "application/json";
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }
  function setStatus(text, error) {
    var s = document.getElementById("status");
    s.textContent = text;
    s.className = error ? "error" : "";
  }
  function needToken() {
    if (asked) return;
    asked = true;
    var t = window.prompt("This dnsd requires a control token (Authorization: Bearer):", "");
    if (t) { token = t; try { sessionStorage.setItem("dnsd-token", t); } catch (e) {} asked = false; }
  }
  function age(s) {
    if (s === null || s === undefined) return "";
    if (s < 90) return s.toFixed(1) + " s";
    if (s < 5400) return (s / 60).toFixed(1) + " min";
    return (s / 3600).toFixed(1) + " h";
  }
  function renderZones(st) {
    var body = document.querySelector("#zones tbody");
    body.textContent = "";
    (st.zones || []).forEach(function (z) {
      var tr = el("tr", {"data-zone": z.origin, "data-stale": String(!!z.stale)});
      tr.appendChild(el("td", {}, z.origin));
      tr.appendChild(el("td", {}, z.serial));
      tr.appendChild(el("td", {}, z.file));
      tr.appendChild(el("td", {}, z.loaded || ""));
      var errs = (z.errors || []).map(function (e) { return e.text || e.message; }).join("\n");
      tr.appendChild(el("td", {"class": "err"}, (z.stale ? "stale: " : "") + errs));
      body.appendChild(tr);
    });
    var lr = st.last_reload;
    if (lr && lr.errors && lr.errors.length) {
      lr.errors.forEach(function (e) {
        if ((st.zones || []).some(function (z) { return z.file === e.file; })) return;
        var tr = el("tr", {"data-zone-error": e.file});
        tr.appendChild(el("td", {}, "(not loaded)"));
        tr.appendChild(el("td", {}, ""));
        tr.appendChild(el("td", {}, e.file));
        tr.appendChild(el("td", {}, ""));
        tr.appendChild(el("td", {"class": "err"}, e.text || e.message));
        body.appendChild(tr);
      });
    }
  }
  function memberRow(pool, mb) {
    var state = mb.state || "unknown";
    var tr = el("tr", {"data-member": pool.name + "/" + mb.address, "data-zone": pool.zone,
                       "data-state": state, "data-admin": mb.drained ? "drain" : "auto",
                       "data-serving": String(!!mb.serving)});
    tr.appendChild(el("td", {}, mb.address + (mb.backup ? " (backup)" : "")));
    tr.appendChild(el("td", {}, "")).appendChild(
        el("span", {"class": "state"}, mb.drained ? "drained" : state));
    tr.appendChild(el("td", {}, mb.drained ? (mb.drained_in_zone ? "drain (zone file)" : "drain") : "auto"));
    tr.appendChild(el("td", {}, mb.serving ? "yes" : "no"));
    tr.appendChild(el("td", {"title": mb.since || ""}, age(mb.age_s)));
    var r = mb.last_result;
    tr.appendChild(el("td", {"class": r && !r.ok ? "err" : ""},
        r ? (r.ok ? "ok" : r.failure) + (r.detail ? ": " + r.detail : "") : "\u2014"));
    tr.appendChild(el("td", {}, r && r.latency_ms !== null && r.latency_ms !== undefined
        ? r.latency_ms.toFixed(1) + " ms" : ""));
    tr.appendChild(el("td", {}, mb.check || ""));
    var td = el("td");
    var drain = !mb.drained;
    var b = el("button", {"data-action": drain ? "drain" : "undrain"}, drain ? "Drain" : "Undrain");
    if (mb.drained_in_zone) { b.disabled = true; b.title = "drained in the zone file"; }
    b.addEventListener("click", function () { admin(drain, pool, mb.address, b); });
    td.appendChild(b);
    tr.appendChild(td);
    return tr;
  }
  function renderPools(st) {
    var root = document.getElementById("pools");
    root.textContent = "";
    (st.pools || []).forEach(function (p) {
      var div = el("div", {"class": "pool", "data-pool": p.zone + "/" + p.name});
      div.appendChild(el("h3", {}, p.name + "  \u2014  " + p.zone));
      var c = p.check || {};
      var sel = Object.keys(p.selection || {}).map(function (t) {
        return t + ": " + p.selection[t].rule + " [" + (p.selection[t].serving || []).join(", ") + "]";
      }).join("; ");
      div.appendChild(el("div", {"class": "meta"},
          "check " + (c.type || "none") + (c.port ? " port " + c.port : "") +
          ", ttl " + p.ttl + ", policy " + p.policy + ", when all down " + p.when_all_down +
          (sel ? " \u2014 " + sel : "")));
      var t = el("table");
      var hr = el("tr");
      ["member", "state", "admin", "serving", "since", "last result", "latency", "check", ""].forEach(
          function (h) { hr.appendChild(el("th", {}, h)); });
      t.appendChild(el("thead")).appendChild(hr);
      var tb = el("tbody");
      (p.members || []).forEach(function (mb) { tb.appendChild(memberRow(p, mb)); });
      t.appendChild(tb);
      div.appendChild(t);
      root.appendChild(div);
    });
  }
  function render(st) {
    var s = st.server || {};
    document.getElementById("server").textContent =
        "v" + (s.version || "?") + " \u2014 " + (s.listen || []).join(", ") + " \u2014 up " + age(s.uptime_s);
    renderZones(st);
    renderPools(st);
    setStatus("updated " + new Date().toLocaleTimeString(), false);
  }
  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch("/api/status", {headers: headers(false), cache: "no-store"}).then(function (r) {
      if (r.status === 401) { setStatus("401: control token required", true); needToken(); return null; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (st) { if (st) render(st); })
      .catch(function (e) { setStatus("cannot reach /api/status: " + e.message, true); })
      .then(function () { busy = false; });
  }
  function admin(drain, pool, address, button) {
    button.disabled = true;
    fetch(drain ? "/api/drain" : "/api/undrain", {
      method: "POST", headers: headers(true),
      body: JSON.stringify({pool: pool.name, address: address, zone: pool.zone})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 401) needToken();
        if (!r.ok) setStatus((drain ? "drain" : "undrain") + " failed: " + (j.error || r.status), true);
        else if (j.warning) setStatus(j.warning, true);
      });
    }).catch(function (e) { setStatus("request failed: " + e.message, true); })
      .then(function () { busy = false; refresh(); });
  }
  refresh();
  setInterval(refresh, 1500);
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view dashboard_html() { return kPage; }

}  // namespace dnsd
