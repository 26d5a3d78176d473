"""The control API against what a web page can make a browser send
(CONTROL_API.md, "Browser safety"), and the UNIX socket transport.

Every attack is made with the real curl: a cross-origin "simple" POST
(text/plain, a form), a foreign Origin, a DNS-rebinding Host, and a CORS
preflight; each must be refused and change nothing (checked through
/api/status and DNS answers). The UNIX socket is checked for its mode, for
`dnsd ctl --control unix:PATH`, for removal at shutdown, for replacing a
stale socket and for refusing to replace anything else."""

import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile

import pytest

from control_support import ZONE, addresses, api, member
from dnsd_harness import REPO, Dnsd, dnsd_bin, free_port

DRAIN = json.dumps({"pool": "web", "address": "192.0.2.1"})
CURL = shutil.which("curl")

pytestmark = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def curl(url, *args, unix_socket=None):
    """(status, {lowercase header: value}, body) of one request made by curl."""
    cmd = [CURL, "-sS", "--noproxy", "*", "--max-time", "10", "-i"]
    if unix_socket:
        cmd += ["--unix-socket", unix_socket]
    p = subprocess.run(cmd + list(args) + [url], capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    head, _, body = p.stdout.decode(errors="replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def url(d, path):
    return f"http://{d.control_address}{path}"


def port_of(d):
    return d.control_address.rsplit(":", 1)[1]


def assert_not_drained(d):
    m = member(api(d, "GET", "/api/status")[2], "web", "192.0.2.1")
    assert m["admin"] == "auto" and m["serving"], m
    assert addresses(d, "www.ctl.test") == ["192.0.2.1", "192.0.2.2"]


# -- Content-Type: what a page can send without a preflight is refused ---------------

@pytest.mark.parametrize("content", [
    ["-H", "Content-Type: text/plain", "--data", DRAIN],        # fetch(..., {mode: "no-cors", body})
    ["-H", "Content-Type: text/plain;charset=UTF-8", "--data", DRAIN],
    ["--data", DRAIN],                                          # a form: application/x-www-form-urlencoded
    ["-F", "pool=web", "-F", "address=192.0.2.1"],              # multipart/form-data
    ["-H", "Content-Type:", "--data", DRAIN],                   # none at all
])
def test_a_post_that_is_not_json_is_refused_and_changes_nothing(ctl_server, content):
    status, headers, body = curl(url(ctl_server, "/api/drain"), "-X", "POST", *content)
    assert status == 415, body
    assert headers["content-type"].startswith("application/json")
    assert "application/json" in json.loads(body)["error"]
    assert_not_drained(ctl_server)


def test_a_reload_without_a_json_type_is_refused(ctl_server):
    before = api(ctl_server, "GET", "/api/status")[2]["reloads"]
    assert curl(url(ctl_server, "/api/reload"), "-X", "POST")[0] == 415
    assert curl(url(ctl_server, "/api/reload"), "-X", "POST", "-H", "Content-Type: text/plain")[0] == 415
    assert api(ctl_server, "GET", "/api/status")[2]["reloads"] == before, "no reload ran"
    status, _, body = curl(url(ctl_server, "/api/reload"), "-X", "POST", "-H", "Content-Type: application/json")
    assert status == 200, body
    assert api(ctl_server, "GET", "/api/status")[2]["reloads"]["ok"] == before["ok"] + 1


def test_a_json_post_works(ctl_server):
    status, _, body = curl(url(ctl_server, "/api/drain"), "-X", "POST",
                           "-H", "Content-Type: application/json; charset=utf-8", "--data", DRAIN)
    assert status == 200 and json.loads(body)["changed"], body
    assert addresses(ctl_server, "www.ctl.test") == ["192.0.2.2"]


# -- Origin: only the API's own ---------------------------------------------------------

def test_a_foreign_origin_is_refused_for_get_and_post(ctl_server):
    status, _, body = curl(url(ctl_server, "/api/status"), "-H", "Origin: http://evil.example")
    assert status == 403 and "evil.example" in json.loads(body)["error"]
    assert "zones" not in body, "no status leaks"
    for origin in ("http://evil.example", "null", f"http://localhost:{port_of(ctl_server)}",
                   f"https://{ctl_server.control_address}"):
        status, _, body = curl(url(ctl_server, "/api/drain"), "-X", "POST", "-H", f"Origin: {origin}",
                               "-H", "Content-Type: application/json", "--data", DRAIN)
        assert status == 403, (origin, body)
    assert_not_drained(ctl_server)

    own = f"http://{ctl_server.control_address}"
    status, _, body = curl(url(ctl_server, "/api/drain"), "-X", "POST", "-H", f"Origin: {own}",
                           "-H", "Content-Type: application/json", "--data", DRAIN)
    assert status == 200, body


def test_a_preflight_is_never_granted(ctl_server):
    for origin in ("http://evil.example", f"http://{ctl_server.control_address}"):
        status, headers, _ = curl(url(ctl_server, "/api/drain"), "-X", "OPTIONS", "-H", f"Origin: {origin}",
                                  "-H", "Access-Control-Request-Method: POST",
                                  "-H", "Access-Control-Request-Headers: content-type")
        assert not 200 <= status < 300, (origin, status)
        assert not [h for h in headers if h.startswith("access-control-")], headers
    status, headers, _ = curl(url(ctl_server, "/api/drain"), "-X", "OPTIONS")
    assert status == 405 and headers["allow"] == "POST"
    assert not [h for h in headers if h.startswith("access-control-")], headers


# -- Host: DNS rebinding ----------------------------------------------------------------

def test_a_rebound_host_is_refused(ctl_server):
    port = port_of(ctl_server)
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}", f"127.0.0.1:{int(port) + 1}"):
        status, _, body = curl(url(ctl_server, "/api/status"), "-H", f"Host: {host}")
        assert status == 403, (host, body)
        assert "zones" not in body and "Host" in json.loads(body)["error"]
        assert curl(url(ctl_server, "/metrics"), "-H", f"Host: {host}")[0] == 403
    status, _, _ = curl(url(ctl_server, "/api/drain"), "-X", "POST", "-H", f"Host: evil.example:{port}",
                        "-H", f"Origin: http://evil.example:{port}", "-H", "Content-Type: application/json",
                        "--data", DRAIN)
    assert status == 403
    assert_not_drained(ctl_server)


def test_the_listen_address_and_localhost_are_accepted(ctl_server):
    port = port_of(ctl_server)
    for host in (ctl_server.control_address, f"localhost:{port}", f"LOCALHOST:{port}"):
        status, _, body = curl(url(ctl_server, "/api/status"), "-H", f"Host: {host}")
        assert status == 200 and json.loads(body)["zones"], host
    status, _, body = curl(url(ctl_server, "/api/drain"), "-X", "POST", "-H", f"Host: localhost:{port}",
                           "-H", f"Origin: http://localhost:{port}", "-H", "Content-Type: application/json",
                           "--data", DRAIN)
    assert status == 200, body


def test_a_request_without_host_is_served(ctl_server):
    # HTTP/1.0 without Host: no browser sends that, and any other client could send a valid Host anyway.
    host, port = ctl_server.control_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GET /api/status HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200"), data[:200]


def test_ipv6_listener(start_dnsd, zone_dir):
    port = free_port("::1")
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--control", f"[::1]:{port}"])
    assert curl(url(d, "/api/status"))[0] == 200
    assert curl(url(d, "/api/status"), "-H", f"Host: localhost:{port}")[0] == 200
    assert curl(url(d, "/api/status"), "-H", f"Host: evil.example:{port}")[0] == 403
    assert curl(url(d, "/api/status"), "-H", f"Host: 127.0.0.1:{port}")[0] == 403


def test_the_guard_holds_with_a_token_too(start_dnsd, zone_dir):
    d = start_dnsd(zones=zone_dir({"ctl.test.json": ZONE}), extra_args=["--control-token", "s3cret"])
    auth = ["-H", "Authorization: Bearer s3cret"]
    assert curl(url(d, "/api/status"), *auth)[0] == 200
    assert curl(url(d, "/api/status"), *auth, "-H", "Origin: http://evil.example")[0] == 403
    assert curl(url(d, "/api/status"), *auth, "-H", f"Host: evil.example:{port_of(d)}")[0] == 403
    assert curl(url(d, "/api/drain"), *auth, "-X", "POST", "-H", "Content-Type: text/plain", "--data", DRAIN)[0] == 415


def test_no_page_may_frame_the_dashboard(ctl_server):
    status, headers, body = curl(url(ctl_server, "/"))
    assert status == 200 and "dnsd dashboard" in body
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# -- the UNIX socket ----------------------------------------------------------------------

@pytest.fixture
def sock_dir():
    """A short directory for sockets (sun_path holds 107 bytes; pytest's tmp_path can be long)."""
    path = tempfile.mkdtemp(prefix="dnsd-ctl-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def unix_server(zone_dir, path, *extra):
    return Dnsd(zones=zone_dir({"ctl.test.json": ZONE}), threads=1,
                extra_args=["--control", f"unix:{path}", *extra])


def ctl_unix(path, *args, env=None):
    return subprocess.run([dnsd_bin(), "ctl", "--control", f"unix:{path}", *args], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL, cwd=REPO, env=env)


def test_unix_socket_mode_ctl_and_removal(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    old_umask = os.umask(0)  # the mode must not depend on the umask dnsd inherits
    try:
        d = unix_server(zone_dir, path).start()
    finally:
        os.umask(old_umask)
    try:
        st = os.lstat(path)
        assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
        assert f"control API on unix:{path}" in d.log()

        p = ctl_unix(path, "status")
        assert p.returncode == 0, p.stderr
        assert "192.0.2.1" in p.stdout
        p = ctl_unix(path, "drain", "web", "192.0.2.1")
        assert p.returncode == 0 and "drained 192.0.2.1" in p.stdout, p.stdout + p.stderr
        assert addresses(d, "www.ctl.test") == ["192.0.2.2"]
        p = subprocess.run([dnsd_bin(), "ctl", "undrain", "web", "192.0.2.1"], capture_output=True, text=True,
                           timeout=30, env=dict(os.environ, DNSD_CONTROL=f"unix:{path}"))
        assert p.returncode == 0, p.stderr

        # No token is needed; the browser rules hold all the same.
        status, _, body = curl("http://localhost/api/status", unix_socket=path)
        assert status == 200 and json.loads(body)["zones"]
        assert curl("http://localhost/api/drain", "-X", "POST", "-H", "Content-Type: text/plain", "--data", DRAIN,
                    unix_socket=path)[0] == 415
        assert curl("http://localhost/api/status", "-H", "Origin: http://evil.example", unix_socket=path)[0] == 403
        assert addresses(d, "www.ctl.test") == ["192.0.2.1", "192.0.2.2"]
    finally:
        d.stop()
    assert not os.path.lexists(path), "the socket is removed at shutdown"
    p = ctl_unix(path, "status")
    assert p.returncode == 1 and f"unix:{path}" in p.stderr, p.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_unix_socket_admits_its_group_and_nobody_else(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    os.chmod(sock_dir, 0o755)  # so the directory does not decide
    with unix_server(zone_dir, path):
        group = os.lstat(path).st_gid

        client = ("import socket, sys\n"
                  "s = socket.socket(socket.AF_UNIX)\n"
                  "try:\n"
                  "    s.connect(sys.argv[1])\n"
                  "except PermissionError:\n"
                  "    sys.exit('permission denied')\n"
                  "s.sendall(b'GET /api/status HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n')\n"
                  "print(s.recv(12).decode())\n")

        def as_user(gid):
            return subprocess.run(["setpriv", "--reuid=65534", f"--regid={gid}", "--clear-groups", "/usr/bin/python3",
                                   "-c", client, path], capture_output=True, text=True, timeout=20)

        other = as_user(65534)
        assert other.returncode != 0 and "permission denied" in other.stderr, other
        member_of_group = as_user(group)
        assert member_of_group.returncode == 0 and member_of_group.stdout.split()[1] == "200", member_of_group


def test_a_stale_socket_is_replaced(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a killed dnsd leaves
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    with unix_server(zone_dir, path):
        p = ctl_unix(path, "status")
        assert p.returncode == 0, p.stderr
    assert not os.path.lexists(path)


def test_anything_else_at_the_path_is_refused(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    with open(path, "w") as f:
        f.write("not a socket\n")
    d = unix_server(zone_dir, path)
    with pytest.raises(Exception):
        d.start()
    assert not d.alive()
    assert f"control unix:{path}: exists and is not a socket (a regular file)" in d.log(), d.log()
    assert "refusing to replace it" in d.log()
    with open(path) as f:
        assert f.read() == "not a socket\n", "the file is untouched"


def test_a_socket_in_use_is_not_taken_over(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    with unix_server(zone_dir, path) as first:
        second = unix_server(zone_dir, path)
        with pytest.raises(Exception):
            second.start()
        assert "another process is listening" in second.log(), second.log()
        assert ctl_unix(path, "status").returncode == 0, "the first server's socket is still there"
        assert first.alive()


def test_a_token_set_for_a_unix_socket_is_checked(zone_dir, sock_dir):
    path = os.path.join(sock_dir, "control.sock")
    with unix_server(zone_dir, path, "--control-token", "s3cret"):
        assert ctl_unix(path, "status").returncode == 1
        assert ctl_unix(path, "--token", "s3cret", "status").returncode == 0


def test_bad_unix_paths_are_usage_errors(zone_dir):
    for value in ("unix:", "unix:/" + "x" * 120):
        p = subprocess.run([dnsd_bin(), "serve", "--zones", str(zone_dir({"ctl.test.json": ZONE})),
                            "--listen", f"127.0.0.1:{free_port()}", "--control", value],
                           capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        assert p.returncode == 2 and "UNIX socket path" in p.stderr, p.stderr
