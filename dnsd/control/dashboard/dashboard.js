// The dnsd dashboard (served from dnsd/control/dashboard/, embedded in the binary).
// Polls /api/status every 1.5 s, /api/events for new events, and /api/history
// every 10 s (or sooner after a member event) for the 15-minute strips.
// No inline handlers and no inline styles: the page runs under script-src 'self'.
"use strict";
(function () {
  var STATUS_MS = 1500, HISTORY_MS = 10000, HISTORY_SOON_MS = 1000, MAX_EVENTS = 300;
  var SVG = "http://www.w3.org/2000/svg";
  var STRIP_W = 180, STRIP_H = 30, BAND_H = 9;

  var token = "";
  var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) { token = decodeURIComponent(m[1]); try { sessionStorage.setItem("dnsd-token", token); } catch (e) {} }
  else { try { token = sessionStorage.getItem("dnsd-token") || ""; } catch (e) {} }
  var asked = false;

  var lastStatus = null;
  var events = [];          // oldest first, at most MAX_EVENTS
  var lastEventId = 0;
  var history = {};         // "zone|pool|member" -> member history from /api/history
  var historyMeta = null;   // the rest of the last /api/history body
  var historyDue = 0;       // when to fetch the history next (Date.now() ms)

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
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
  function getJson(url) {
    return fetch(url, {headers: headers(false), cache: "no-store"}).then(function (r) {
      if (r.status === 401) { setStatus("401: control token required", true); needToken(); return null; }
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  // -- formatting ------------------------------------------------------------
  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; }
  // "2026-12-01 11:16:20", local time, always with seconds.
  function localTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
        pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function clock(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function age(s) {
    if (s === null || s === undefined) return "";
    if (s < 90) return s.toFixed(1) + " s";
    if (s < 5400) return (s / 60).toFixed(1) + " min";
    return (s / 3600).toFixed(1) + " h";
  }
  // A duration as "42s", "5m 12s", "3h 05m".
  function lasted(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + pad(s % 60) + "s";
    return Math.floor(s / 3600) + "h " + pad(Math.floor(s / 60) % 60) + "m";
  }
  function ms(v) { return v < 10 ? v.toFixed(1) + " ms" : Math.round(v) + " ms"; }
  function key(zone, pool, member) { return zone + "|" + pool + "|" + member; }

  // -- banner ----------------------------------------------------------------
  // The latest event of `kind` for (zone, pool, member), or null.
  function latestEvent(kinds, zone, pool, member) {
    for (var i = events.length - 1; i >= 0; --i) {
      var e = events[i];
      if (kinds.indexOf(e.kind) < 0) continue;
      if (zone !== null && e.zone && e.zone !== zone) continue;
      // A drain event without a pool drained the address in every pool.
      if (pool !== null && (e.pool || !e.kind.startsWith("member-")) && e.pool !== pool) continue;
      if (member !== null && e.member !== member) continue;
      return e;
    }
    return null;
  }
  function renderBanner(st) {
    var now = st.now_ms || Date.now();
    var down = [], allDown = [], drained = [], stale = [], total = 0, unchecked = 0;
    (st.pools || []).forEach(function (p) {
      var members = p.members || [];
      var pdown = members.length > 0;
      var latest = 0;
      members.forEach(function (mb) {
        if (mb.state === "unchecked") unchecked++;
        else total++;
        if (mb.state === "down") {
          down.push(mb.since_ms || now);
          latest = Math.max(latest, mb.since_ms || now);
        } else pdown = false;
        if (mb.drained) {
          var e = latestEvent(["member-drained"], p.zone, p.name, mb.address);
          drained.push(e ? e.at_ms : null);
        }
      });
      if (pdown) {
        var e = latestEvent(["pool-all-down"], p.zone, p.name, null);
        allDown.push(e ? e.at_ms : latest);
      }
    });
    (st.zones || []).forEach(function (z) {
      if (!z.stale) return;
      var e = latestEvent(["zone-stale"], z.origin, null, null);
      stale.push(e ? e.at_ms : (st.last_reload ? st.last_reload.at_ms : null));
    });
    var b = document.getElementById("banner");
    b.setAttribute("data-down", String(down.length));
    b.setAttribute("data-all-down", String(allDown.length));
    b.setAttribute("data-drained", String(drained.length));
    b.setAttribute("data-stale", String(stale.length));
    b.textContent = "";
    function item(count, one, many, times, cls) {
      if (!count) return;
      var known = times.filter(function (t) { return t !== null && t !== undefined; });
      var span = el("span", {"class": "item " + (cls || ""), "data-item": one.replace(/ /g, "-")},
                    count + " " + (count === 1 ? one : many));
      if (known.length) {
        var oldest = Math.min.apply(null, known);
        span.appendChild(el("span", {"class": "since", "title": "since " + localTime(oldest)},
                            " for " + lasted(now - oldest) + " (since " + clock(oldest) + ")"));
      }
      b.appendChild(span);
    }
    item(down.length, "member down", "members down", down);
    item(allDown.length, "pool all down", "pools all down", allDown);
    item(drained.length, "member drained", "members drained", drained, "warn");
    item(stale.length, "stale zone", "stale zones", stale);
    var bad = down.length || allDown.length || stale.length;
    if (!b.firstChild) {
      b.appendChild(el("span", {"class": "item"},
          total ? "all " + total + " member" + (total === 1 ? "" : "s") + " up" : "no checked pool members"));
      if (unchecked) b.appendChild(el("span", {"class": "item since"}, unchecked + " unchecked (check type none)"));
    }
    b.className = "banner " + (bad ? "bad" : drained.length ? "ok warn" : "ok");
  }

  // -- zones -----------------------------------------------------------------
  function renderZones(st) {
    var body = document.querySelector("#zones tbody");
    body.textContent = "";
    (st.zones || []).forEach(function (z) {
      var tr = el("tr", {"data-zone": z.origin, "data-stale": String(!!z.stale)});
      tr.appendChild(el("td", {}, z.origin));
      tr.appendChild(el("td", {"class": "num"}, z.serial));
      tr.appendChild(el("td", {"title": z.file}, z.file));
      tr.appendChild(el("td", {"class": "time"}, z.loaded_ms ? localTime(z.loaded_ms) : ""));
      var errs = (z.errors || []).map(function (e) { return e.text || e.message; }).join("\n");
      tr.appendChild(el("td", {"class": "err wrap"}, (z.stale ? "stale: " : "") + errs));
      body.appendChild(tr);
    });
    var lr = st.last_reload;
    if (lr && lr.errors && lr.errors.length) {
      lr.errors.forEach(function (e) {
        if ((st.zones || []).some(function (z) { return z.file === e.file; })) return;
        var tr = el("tr", {"data-zone-error": e.file});
        tr.appendChild(el("td", {}, "(not loaded)"));
        tr.appendChild(el("td", {}, ""));
        tr.appendChild(el("td", {"title": e.file}, e.file));
        tr.appendChild(el("td", {}, ""));
        tr.appendChild(el("td", {"class": "err wrap"}, e.text || e.message));
        body.appendChild(tr);
      });
    }
  }

  // -- the 15-minute strip ---------------------------------------------------
  function strip(h) {
    var s = svg("svg", {"class": "strip", "width": STRIP_W, "height": STRIP_H,
                        "viewBox": "0 0 " + STRIP_W + " " + STRIP_H, "role": "img"});
    s.appendChild(svg("rect", {"class": "frame", "x": 0, "y": 0, "width": STRIP_W, "height": STRIP_H}));
    if (!h || !historyMeta) return s;
    var from = historyMeta.from_ms, to = historyMeta.now_ms, span = Math.max(1, to - from);
    function x(t) { return Math.max(0, Math.min(STRIP_W, (t - from) / span * STRIP_W)); }
    var title = [];
    (h.segments || []).forEach(function (g) {
      var x0 = x(g.start_ms), x1 = x(g.end_ms);
      s.appendChild(svg("rect", {"data-segment": g.state, "x": x0.toFixed(1), "y": 0,
                                 "width": Math.max(0.8, x1 - x0).toFixed(1), "height": BAND_H}));
      title.push(g.state + " " + clock(g.start_ms) + "\u2013" + clock(g.end_ms));
    });
    var top = BAND_H + 3, bottom = STRIP_H - 2, bucket = historyMeta.bucket_ms;
    var lat = h.latency_ms || [], max = 0;
    lat.forEach(function (v) { if (v !== null && v > max) max = v; });
    var points = [];
    function flush() {
      if (points.length === 1) points.push((parseFloat(points[0]) + 1.5).toFixed(1) + points[0].slice(points[0].indexOf(",")));
      if (points.length) s.appendChild(svg("polyline", {"class": "latency", "points": points.join(" ")}));
      points = [];
    }
    lat.forEach(function (v, i) {
      if (v === null) { flush(); return; }
      var px = x(historyMeta.first_bucket_ms + i * bucket + bucket / 2);
      var py = bottom - (max > 0 ? v / max : 0) * (bottom - top);
      points.push(px.toFixed(1) + "," + py.toFixed(1));
    });
    flush();
    var failedBuckets = 0;
    (h.failures || []).forEach(function (n, i) {
      if (!n) return;
      failedBuckets++;
      var fx = x(historyMeta.first_bucket_ms + i * bucket + bucket / 2).toFixed(1);
      s.appendChild(svg("line", {"class": "failure", "x1": fx, "x2": fx, "y1": top - 1, "y2": bottom}));
    });
    var t = svg("title");
    t.textContent = clock(from) + "\u2013" + clock(to) + (max ? ", latency up to " + ms(max) : "") +
        (failedBuckets ? ", failed probes (" + (h.last_failure || "failure") + ") in " + failedBuckets +
                         " of the 10 s buckets" : "") +
        "\n" + title.join("\n");
    s.appendChild(t);
    return s;
  }

  // -- pools -----------------------------------------------------------------
  var COLUMNS = [["member", "w-member"], ["state", "w-state"], ["weight", "w-weight"], ["admin", "w-admin"],
                 ["serving", "w-serving"], ["for", "w-since"], ["last result", "w-result"],
                 ["latency", "w-latency"], ["last 15 min", "w-strip"], ["check", "w-check"], ["", "w-action"]];
  function memberRow(pool, mb) {
    var state = mb.state || "unknown";
    var tr = el("tr", {"data-member": pool.name + "/" + mb.address, "data-zone": pool.zone,
                       "data-state": state, "data-admin": mb.drained ? "drain" : "auto",
                       "data-serving": String(!!mb.serving)});
    tr.appendChild(el("td", {"title": mb.address}, mb.address + (mb.backup ? " (backup)" : "")));
    tr.appendChild(el("td", {}, "")).appendChild(
        el("span", {"class": "state", "title": state === "unchecked" ? "check type none: never probed" : state},
           mb.drained ? "drained" : state));
    tr.appendChild(el("td", {"class": "num"}, mb.weight));
    tr.appendChild(el("td", {}, mb.drained ? (mb.drained_in_zone ? "drain (zone file)" : "drain") : "auto"));
    tr.appendChild(el("td", {}, mb.serving ? "yes" : "no"));
    tr.appendChild(el("td", {"class": "num", "title": mb.since_ms ? "since " + localTime(mb.since_ms) : ""},
                      age(mb.age_s)));
    var r = mb.last_result;
    // The detail already says what failed ("connect refused"); the kind is only a fallback.
    var result = r ? (r.detail || (r.ok ? "ok" : r.failure)) : (state === "unchecked" ? "not probed" : "\u2014");
    tr.appendChild(el("td", {"class": r && !r.ok ? "err" : "", "title": r ? result + " at " + localTime(r.at_ms) : ""},
                      result));
    var lat = el("td", {"class": "num"});
    if (r && r.ok && r.latency_ms !== null && r.latency_ms !== undefined) lat.textContent = ms(r.latency_ms);
    else if (r && !r.ok && r.latency_ms) {
      lat.className = "num err";
      lat.title = "failed after " + ms(r.latency_ms);
      lat.textContent = "\u2715 " + ms(r.latency_ms);
    } else lat.textContent = "\u2014";
    tr.appendChild(lat);
    tr.appendChild(el("td", {})).appendChild(strip(history[key(pool.zone, pool.name, mb.address)]));
    tr.appendChild(el("td", {"title": mb.check || ""}, mb.check || ""));
    var td = el("td");
    var drain = !mb.drained;
    var b = el("button", {"type": "button", "data-action": drain ? "drain" : "undrain"}, drain ? "Drain" : "Undrain");
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
      var members = p.members || [];
      var allDown = members.length > 0 && members.every(function (mb) { return mb.state === "down"; });
      var div = el("div", {"class": "pool" + (allDown ? " all-down" : ""), "data-pool": p.zone + "/" + p.name,
                           "data-all-down": String(allDown)});
      div.appendChild(el("h3", {}, p.name + "  \u2014  " + p.zone + (allDown ? "  \u2014  ALL MEMBERS DOWN" : "")));
      var c = p.check || {};
      var sel = Object.keys(p.selection || {}).map(function (t) {
        return t + ": " + p.selection[t].rule + " [" + (p.selection[t].serving || []).join(", ") + "]";
      }).join("; ");
      div.appendChild(el("div", {"class": "meta"},
          "check " + (c.type || "none") + (c.type === "none" ? " (unchecked: never probed)" : "") +
          (c.port ? " port " + c.port : "") +
          ", ttl " + p.ttl + ", policy " + p.policy + ", when all down " + p.when_all_down +
          (sel ? " \u2014 " + sel : "")));
      var t = el("table", {"class": "fixed members"});
      var cg = el("colgroup");
      COLUMNS.forEach(function (c) { cg.appendChild(el("col", {"class": c[1]})); });
      t.appendChild(cg);
      var hr = el("tr");
      COLUMNS.forEach(function (c) { hr.appendChild(el("th", {}, c[0])); });
      t.appendChild(el("thead")).appendChild(hr);
      var tb = el("tbody");
      members.forEach(function (mb) { tb.appendChild(memberRow(p, mb)); });
      t.appendChild(tb);
      div.appendChild(t);
      root.appendChild(div);
    });
  }

  // -- events ----------------------------------------------------------------
  function renderEvents() {
    var body = document.querySelector("#events tbody");
    body.textContent = "";
    for (var i = events.length - 1; i >= 0; --i) {
      var e = events[i];
      var tr = el("tr", {"data-event-id": String(e.id), "data-kind": e.kind});
      tr.appendChild(el("td", {"class": "time", "title": e.at}, localTime(e.at_ms)));
      tr.appendChild(el("td", {}, e.kind));
      tr.appendChild(el("td", {"title": e.zone || ""}, e.zone || ""));
      tr.appendChild(el("td", {}, e.pool || (e.kind.indexOf("drained") >= 0 ? "(every pool)" : "")));
      tr.appendChild(el("td", {}, e.member || ""));
      tr.appendChild(el("td", {}, e.from && e.to ? e.from + " \u2192 " + e.to : ""));
      tr.appendChild(el("td", {"class": "wrap", "title": e.reason || ""}, e.reason || ""));
      body.appendChild(tr);
    }
    if (!events.length) {
      var tr0 = el("tr");
      tr0.appendChild(el("td", {"colspan": "7", "class": "meta"}, "no events since dnsd started"));
      body.appendChild(tr0);
    }
  }
  function fetchEvents() {
    return getJson("/api/events?since=" + lastEventId).then(function (j) {
      if (!j) return false;
      var fresh = j.events || [];
      if (j.last_id < lastEventId) { events = []; }  // a restarted server: start over
      fresh.forEach(function (e) { events.push(e); });
      if (events.length > MAX_EVENTS) events = events.slice(events.length - MAX_EVENTS);
      lastEventId = j.last_id;
      if (fresh.some(function (e) { return e.kind.indexOf("member-") === 0 || e.kind.indexOf("pool-") === 0; }))
        historyDue = Math.min(historyDue, Date.now() + HISTORY_SOON_MS);
      renderEvents();
      return fresh.length > 0;
    });
  }
  function fetchHistory() {
    if (Date.now() < historyDue) return Promise.resolve(false);
    historyDue = Date.now() + HISTORY_MS;
    return getJson("/api/history").then(function (j) {
      if (!j) return false;
      var next = {};
      (j.members || []).forEach(function (h) { next[key(h.zone, h.pool, h.member)] = h; });
      history = next;
      // Until dnsd has run 15 minutes the strips span what is known (at least a minute), not mostly nothing.
      var earliest = j.now_ms - 60000;
      (j.members || []).forEach(function (h) {
        if (h.segments && h.segments.length) earliest = Math.min(earliest, h.segments[0].start_ms);
      });
      historyMeta = {from_ms: Math.max(j.from_ms, earliest), now_ms: j.now_ms, bucket_ms: j.bucket_ms,
                     first_bucket_ms: j.first_bucket_ms};
      return true;
    });
  }

  // -- notice and drain --------------------------------------------------------
  function notice(text, kind) {
    var n = document.getElementById("notice");
    document.getElementById("notice-text").textContent = text;
    n.className = "notice " + (kind || "");
    n.setAttribute("data-kind", kind || "info");
    n.hidden = false;
  }
  document.getElementById("notice-close").addEventListener("click", function () {
    document.getElementById("notice").hidden = true;
  });
  function drainNotice(address, pool, j) {
    var text = "Drained " + address + " from pool " + pool.name + " (" + pool.zone + "). ";
    var kind = "info";
    if (j.warning) { text += j.warning; kind = "warning"; }
    else if (j.safe_after_ms !== null && j.safe_after_ms !== undefined) {
      var left = j.safe_in_s || 0;
      text += left > 0 ? "Safe to stop after " + localTime(j.safe_after_ms) + " (in " + lasted(Math.ceil(left) * 1000) +
                         ", the longest TTL it was served with)."
                       : "Safe to stop now (since " + localTime(j.safe_after_ms) + ").";
    }
    var others = j.other_pools || [];
    if (others.length) {
      text += " It is also a member of " + others.map(function (o) {
        return typeof o === "string" ? o : (o.pool || o.name || "?") + (o.zone ? " (" + o.zone + ")" : "");
      }).join(", ") + ", which this drain does not affect.";
      if (kind === "info") kind = "warning";
    }
    notice(text, kind);
  }
  function admin(drain, pool, address, button) {
    if (drain && !window.confirm("Drain " + address + " from pool " + pool.name + " (" + pool.zone + ")?\n" +
                                 "It stops being handed out in answers; resolvers may still hold it for a TTL.")) {
      return;
    }
    button.disabled = true;
    fetch(drain ? "/api/drain" : "/api/undrain", {
      method: "POST", headers: headers(true),
      body: JSON.stringify({pool: pool.name, address: address, zone: pool.zone})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 401) needToken();
        if (!r.ok) notice((drain ? "Drain" : "Undrain") + " of " + address + " failed: " + (j.error || r.status), "error");
        else if (drain) drainNotice(address, pool, j);
        else notice("Undrained " + address + " in pool " + pool.name + " (" + pool.zone + ").", "info");
      });
    }).catch(function (e) { notice("request failed: " + e.message, "error"); })
      .then(function () { historyDue = 0; refresh(true); });
  }

  // -- the loop ----------------------------------------------------------------
  function render(st) {
    var s = st.server || {};
    document.getElementById("server").textContent =
        "v" + (s.version || "?") + " \u2014 " + (s.listen || []).join(", ") + " \u2014 up " + age(s.uptime_s);
    renderBanner(st);
    renderZones(st);
    renderPools(st);
    setStatus("updated " + clock(Date.now()), false);
  }
  var busy = false;
  function refresh(force) {
    if (busy && !force) return;
    busy = true;
    // Events first: the banner's "since" times and the strips' drains use them.
    fetchEvents().then(fetchHistory).then(function () { return getJson("/api/status"); })
      .then(function (st) { if (st) { lastStatus = st; render(st); } })
      .catch(function (e) { setStatus("cannot reach the control API: " + e.message, true); })
      .then(function () { busy = false; });
  }
  refresh();
  setInterval(refresh, STATUS_MS);
})();
