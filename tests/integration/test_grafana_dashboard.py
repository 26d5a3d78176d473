"""examples/grafana-dashboard.json against a real dnsd: every metric any panel
(or template variable) queries is in the /metrics of a running server, and the
whole /metrics text passes a strict check of the Prometheus text exposition
format 0.0.4 (the parser below; promtool is not needed).

The server has what every panel shows: a checked pool with a live and a dead
member, an unchecked pool, a drained member, a second zone file that never
loads, a state directory, and queries over UDP and TCP."""

import json
import math
import os
import re
import socket

from control_support import ZONE, api, zone
from dnsd_harness import REPO, free_port, wait_for

DASHBOARD = os.path.join(REPO, "examples", "grafana-dashboard.json")

# -- the dashboard's PromQL ------------------------------------------------------------

_FUNCTIONS_AND_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "inf", "nan",
}


def metric_names(expr: str) -> set[str]:
    """Series names an expression selects: string literals, label matchers,
    grouping clauses, ranges and function calls removed."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)              # string literals
    e = re.sub(r"\{[^}]*\}", " ", e)                           # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                          # range and subquery durations
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)  # label lists
    names = set()
    for m in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", e):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in _FUNCTIONS_AND_KEYWORDS:
            continue
        names.add(name)
    return names


def dashboard_exprs(dashboard) -> list[str]:
    exprs = []

    def walk(panels):
        for p in panels:
            exprs.extend(t["expr"] for t in p.get("targets", []) if t.get("expr"))
            walk(p.get("panels", []))

    walk(dashboard["panels"])
    for v in dashboard.get("templating", {}).get("list", []):
        query = v.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        m = re.match(r"label_values\((.*),\s*\w+\)$", query or "")
        if m:
            exprs.append(m.group(1))
    return exprs


def test_metric_names_are_extracted_from_promql():
    assert metric_names('sum by (le, check) (rate(dnsd_probe_duration_seconds_bucket{instance=~"$instance",'
                        'zone="a{b}"}[$__rate_interval]))') == {"dnsd_probe_duration_seconds_bucket"}
    assert metric_names("time() - process_start_time_seconds") == {"process_start_time_seconds"}
    assert metric_names('a_total / on (zone) group_left (pool) b_count > 0') == {"a_total", "b_count"}
    assert metric_names('histogram_quantile(0.99, x_bucket)') == {"x_bucket"}


def test_the_dashboard_is_importable_json():
    with open(DASHBOARD) as f:
        d = json.load(f)
    assert 36 <= d["schemaVersion"] <= 41
    assert [i["name"] for i in d["__inputs"]] == ["DS_PROMETHEUS"]
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for p in d["panels"]:
        if p["type"] != "row":
            assert p["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
            assert p["targets"], p["title"]
            assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24, p["title"]


# -- a strict exposition-format check ---------------------------------------------------

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_VALUE = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? ({_VALUE})(?: (-?\d+))?$")
_LABEL = re.compile(rf'({_LABEL_NAME})="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_strictly(text: str):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; asserts
    what the format requires: a final newline, HELP and TYPE at most once and
    before the family's samples, a family's samples together, sample names of
    the family's type (_bucket/_sum/_count for histograms), well-formed and
    unique label sets, valid values, histograms cumulative up to le="+Inf"
    equal to _count."""
    assert text.endswith("\n"), "the text ends with a newline"
    families, order, current = {}, [], None

    def family(name):
        if name not in families:
            families[name] = {"type": "untyped", "help": None, "samples": [], "seen_sample": False}
            order.append(name)
        return families[name]

    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {number}: {line!r}"
        assert line.strip() == line and line, f"no blank or padded lines ({where})"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                assert re.fullmatch(_NAME, parts[2]), where
                f = family(parts[2])
                assert not f["seen_sample"], f"{parts[1]} after samples ({where})"
                if parts[1] == "HELP":
                    assert f["help"] is None, f"HELP twice ({where})"
                    f["help"] = parts[3] if len(parts) > 3 else ""
                else:
                    assert len(parts) == 4 and parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), where
                    assert f.get("typed") is None, f"TYPE twice ({where})"
                    f["type"], f["typed"] = parts[3], True
                current = parts[2]
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample ({where})"
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        base = name
        if current and name != current and families.get(current, {}).get("type") in ("histogram", "summary"):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert base == current, f"sample outside its family's block ({where})"
        f = families[base]
        if f["type"] == "histogram":
            assert name != base, f"a histogram has only _bucket, _sum and _count samples ({where})"
        labels, pos = {}, 0
        while pos < len(labels_text):
            lm = _LABEL.match(labels_text, pos)
            assert lm, f"bad label set ({where})"
            assert lm.group(1) not in labels, f"label given twice ({where})"
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
            assert lm.group(3) == "," or pos == len(labels_text), where
        if name.endswith("_bucket") and f["type"] == "histogram":
            assert "le" in labels, where
        key = (name, frozenset(labels.items()))
        assert key not in f.setdefault("keys", set()), f"duplicate series ({where})"
        f["keys"].add(key)
        f["seen_sample"] = True
        v = float(value.replace("Inf", "inf"))
        if f["type"] == "counter" or name.endswith(("_bucket", "_count")):
            assert v >= 0 and not math.isnan(v), f"a counter is not negative ({where})"
            assert re.fullmatch(r"\d+(\.\d+)?", value), f"a count in plain digits ({where})"
        f["samples"].append((name, labels, v))
    for name, f in families.items():
        assert f["help"] is not None and f.get("typed"), f"{name} has HELP and TYPE"
        if f["type"] == "histogram":
            series = {}
            for n, labels, v in f["samples"]:
                rest = frozenset((k, x) for k, x in labels.items() if k != "le")
                series.setdefault(rest, {})[n if n != name + "_bucket" else labels["le"]] = v
            for rest, s in series.items():
                les = sorted((float(le.replace("Inf", "inf")), v) for le, v in s.items()
                             if le not in (name + "_sum", name + "_count"))
                assert les and math.isinf(les[-1][0]), f"{name}{dict(rest)} ends at +Inf"
                counts = [v for _, v in les]
                assert counts == sorted(counts), f"{name}{dict(rest)} buckets are cumulative"
                assert s.get(name + "_count") == counts[-1] and name + "_sum" in s, f"{name}{dict(rest)}"
    return families


def test_the_strict_parser_rejects_what_the_format_forbids():
    good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
    parse_strictly(good)
    for bad in [good.rstrip("\n"), good + "a_total{x=\"1\"} 4\n", good.replace("3", "1e+06"),
                good.replace('x="1"', 'x="1",x="2"'), good + "# HELP b B.\n# TYPE b gauge\nb 1\na_total 2\n",
                good.replace("counter", "countr"), "a_total 1\n"]:
        try:
            parse_strictly(bad)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {bad!r}")


# -- against a running dnsd -------------------------------------------------------------

def test_every_dashboard_metric_is_in_a_running_servers_metrics(start_dnsd, zone_dir, tmp_path):
    live_host, dead_host = "127.0.1.81", "127.0.1.82"
    port = free_port(live_host)
    backend = socket.socket()
    backend.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    backend.bind((live_host, port))
    backend.listen(64)  # connects complete in the kernel backlog
    try:
        z = zone()
        z["pools"]["checked"] = {"ttl": 3, "members": [live_host, dead_host],
                                 "check": {"type": "tcp", "port": port, "interval": 0.2, "fast_interval": 0.1,
                                           "timeout": 0.1, "rise": 1, "fall": 1}}
        z["records"]["checked"] = {"A": {"pool": "checked"}}
        zones = zone_dir({"ctl.test.json": z, "broken.json": "{ not json"})
        state = tmp_path / "state"
        state.mkdir()
        d = start_dnsd(zones=zones, threads=2, extra_args=["--state-dir", str(state)])
        assert api(d, "POST", "/api/drain", {"pool": "web", "address": "192.0.2.2"})[0] == 200
        for _ in range(3):
            d.query("checked.ctl.test", "A")
            d.query("www.ctl.test", "A")
        d.query("nope.ctl.test", "A")
        d.query("dead.ctl.test", "A")
        d.query_tcp("static.ctl.test", "A")
        d.query("www.elsewhere.test", "A")

        def scraped():
            text = api(d, "GET", "/metrics")[2]
            return text if re.search(r"^dnsd_probe_duration_seconds_count\{check=\"tcp\"\} [1-9]", text, re.M) else None

        text = wait_for(scraped, 10, "a tcp probe result")
        families = parse_strictly(text)
    finally:
        backend.close()

    series = {}
    for fam, f in families.items():
        for name, labels, v in f["samples"]:
            series.setdefault(name, []).append((labels, v))

    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    exprs = dashboard_exprs(dashboard)
    assert len(exprs) >= 30
    used = set().union(*(metric_names(e) for e in exprs))
    missing = sorted(n for n in used if n not in series)
    assert not missing, f"the dashboard queries metrics /metrics lacks: {missing}"
    for name in used:  # each resolves to a family with a TYPE (_bucket/_sum/_count only on histograms)
        base = name if name in families else re.sub(r"_(bucket|sum|count)$", "", name)
        assert base in families and (base == name or families[base]["type"] in ("histogram", "summary")), name

    # What the panels show is really there.
    def one(name, **labels):
        found = [v for l, v in series.get(name, []) if all(l.get(k) == x for k, x in labels.items())]
        assert len(found) == 1, (name, labels, found)
        return found[0]

    assert one("dnsd_member_state", pool="web", member="192.0.2.1", state="unchecked") == 1
    assert one("dnsd_member_drained", pool="web", member="192.0.2.2") == 1
    assert one("dnsd_member_state", pool="checked", member=live_host, state="up") == 1
    assert one("dnsd_member_state", pool="checked", member=dead_host, state="down") == 1
    assert one("dnsd_member_transitions_total", pool="checked", member=dead_host, to="down") == 1
    assert one("dnsd_member_transitions_total", pool="checked", member=live_host, to="up") == 1
    unchecked = [l for name in ("dnsd_member_up", "dnsd_member_transitions_total",
                                "dnsd_member_last_change_timestamp_seconds")
                 for l, _ in series.get(name, []) if l["pool"] in ("web", "solo")]
    assert not unchecked, f"members of pools with check none report no health: {unchecked}"
    assert one("dnsd_zone_load_error", zone="broken.json", file=str(zones / "broken.json")) == 1
    assert one("dnsd_zone_queries_total", zone="ctl.test.", proto="udp") == 8  # checked, www x3; nope; dead
    assert one("dnsd_zone_queries_total", zone="ctl.test.", proto="tcp") == 1
    assert one("dnsd_zone_responses_total", zone="ctl.test.", rcode="NXDOMAIN") == 1
    assert one("dnsd_all_down_total", zone="ctl.test.", pool="dead", proto="udp") == 1
    assert one("dnsd_all_down_total", zone="ctl.test.", pool="checked", proto="udp") == 0
    # www.elsewhere.test and the harness's readiness queries were REFUSED: counted, but in no zone.
    assert one("dnsd_responses_total", proto="udp", rcode="REFUSED") >= 2
    assert one("dnsd_zone_responses_total", zone="ctl.test.", rcode="REFUSED") == 0
    assert one("dnsd_build_info") == 1
    assert one("process_cpu_seconds_total") >= 0 and one("process_open_fds") > 0
