"""A tiny loopback HTTP load generator (http.client, keep-alive, one connection per client)."""
from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


def _session_cookie(headers) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def login(host: str, port: int, email: str, password: str) -> str:
    """The session cookie of a real login through the form (CSRF token included)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    html = resp.read().decode()
    cookie = _session_cookie(resp.getheaders())
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    body = urlencode({"email": email, "password": password, "csrf_token": token.group(1) if token else ""})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("POST", "/login", body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    new = _session_cookie(resp.getheaders())
    conn.close()
    if resp.status != 302 or not new:
        raise RuntimeError(f"login failed: HTTP {resp.status}")
    return new


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    timeouts: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        k = min(len(data) - 1, max(0, int(round(q * (len(data) - 1)))))
        return data[k]


def load(host: str, port: int, paths: list[str], clients: int, per_client: int, max_seconds: float,
         cookie: str | None = None, warmup: int = 1, timeout: float | None = None) -> Result:
    """``warmup`` sequential requests (not counted), then ``clients`` threads, each sending up to
    ``per_client`` requests (cycling through ``paths``) until ``max_seconds`` have passed.
    Bounded in count and in time; loopback only. A request that takes longer than ``timeout``
    (default ``max_seconds``) is abandoned and recorded at ``timeout`` (a censored value)."""
    assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
    timeout = timeout or max_seconds
    result = Result()
    lock = threading.Lock()
    headers = {"Cookie": cookie} if cookie else {}
    for i in range(warmup):
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", paths[i % len(paths)], headers=headers)
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
    deadline = time.monotonic() + max_seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine, errors, timeouts, statuses = [], 0, 0, {}
        for i in range(per_client):
            if time.monotonic() > deadline:
                break
            path = paths[(n * 7 + i) % len(paths)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except TimeoutError:
                timeouts += 1
                mine.append(timeout)
                conn.close()
                break
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
                continue
            mine.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies += mine
            result.errors += errors
            result.timeouts += timeouts
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result
