"""What an operator's machines read: Prometheus metrics, JSON logs with a request id, slow statements.

The metrics are module-level prometheus_client objects, shared by every app in the process. Under
gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty directory, before the app is imported): each worker
then writes its values to files there and /metrics adds them up across workers
(deploy/gunicorn.conf.py empties it at start and drops a dead worker's live gauges).

Requests are counted by a WSGI layer outside everything else, the scan front door included, keyed
by the route's endpoint name (never the raw path: one series per route, not per product). The route
is learnt as Flask matches it (`Request.url_rule`), so no per-request hook is added.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import itertools
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask import Request as FlaskRequest
from prometheus_client import CONTENT_TYPE_LATEST as METRICS_CONTENT_TYPE
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import event
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID = "registry.request_id"  # environ key
ENDPOINT = "registry.endpoint"  # environ key: the matched route's endpoint name
UNMATCHED = "unmatched"  # no route (404, 405 before routing)
_ID_SHAPE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # an X-Request-ID we pass on; anything else is replaced
# A new id is this process's random prefix and a counter: unique across processes and servers, and
# cheaper than uuid4 (several microseconds here, as much as the whole metrics bookkeeping).
_ids: dict[str, Any] = {}


def _new_ids() -> None:
    _ids["prefix"], _ids["next"] = os.urandom(6).hex(), itertools.count(1).__next__


_new_ids()
os.register_at_fork(after_in_child=_new_ids)  # a forked worker must not repeat its parent's ids
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
log = logging.getLogger("registry.request")
slow_log = logging.getLogger("registry.slow_query")

# --- metrics --------------------------------------------------------------------------------------

disable_created_metrics()  # no `_created` twin of every series: nobody graphs when a counter began

REQUESTS = Counter("registry_http_requests", "HTTP requests answered, by route", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "registry_http_request_duration_seconds",
    "Time to produce the answer, by route",
    ["endpoint"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SCANS = Counter(
    "registry_scans",
    "Scan answers by where they came from: front (stored bytes, no Flask), cache (the resolver's cache), rendered",
    ["source"],
)
SCAN_FRONT, SCAN_CACHE, SCAN_RENDERED = (SCANS.labels(source) for source in ("front", "cache", "rendered"))
DB_POOL_CHECKED_OUT = Gauge("registry_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum")
DB_POOL_SIZE = Gauge("registry_db_pool_size", "Connections each pool keeps (per process)", multiprocess_mode="livemax")
DB_CONNECTIONS = Counter("registry_db_connections", "Database connections opened")
SLOW_QUERIES = Counter("registry_db_slow_queries", "Statements slower than SLOW_QUERY_MS")
IMPORTS = Counter("registry_imports", "File imports by kind and outcome", ["kind", "outcome"])
IMPORTED_ROWS = Counter("registry_imported_records", "Records created by committed imports", ["kind"])
STATUS_CHANGES = Counter("registry_certificate_status_changes", "Certificate status changes committed", ["action"])


def exposition() -> tuple[bytes, str]:
    """The text format of every metric: this process's, or all workers' in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), METRICS_CONTENT_TYPE
    return generate_latest(REGISTRY), METRICS_CONTENT_TYPE


def may_read_metrics(cfg: dict[str, Any], environ: WSGIEnvironment, authorization: str | None) -> bool:
    """A bearer METRICS_TOKEN, or a client address in METRICS_ALLOW_FROM.

    An address is only believed when no untrusted proxy stands in between: a request carrying
    X-Forwarded-For while PROXY_FIX_X_FOR is 0 came through a proxy whose own address is all we see.
    """
    token = cfg.get("METRICS_TOKEN") or ""
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), token):
            return True
    if "HTTP_X_FORWARDED_FOR" in environ and not cfg.get("PROXY_FIX_X_FOR"):
        return False
    try:
        address = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(str(cfg.get("METRICS_ALLOW_FROM") or "")))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


# --- requests: id, count, latency, one log line ---------------------------------------------------


class Request(FlaskRequest):
    """Flask's request, noting the matched endpoint in the environ (read after Flask has let go of it)."""

    _rule: Any = None

    @property  # type: ignore[override]
    def url_rule(self) -> Any:
        return self._rule

    @url_rule.setter
    def url_rule(self, rule: Any) -> None:
        self._rule = rule
        if rule is not None:
            self.environ[ENDPOINT] = rule.endpoint


class RequestTelemetry:
    """WSGI layer: gives every request an id (X-Request-ID in, or a new one), returns it, counts and times it."""

    def __init__(self, wrapped: WSGIApplication, log_requests: bool) -> None:
        self.wrapped = wrapped
        self.log_requests = log_requests
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID")
        if given is None or not _ID_SHAPE.fullmatch(given):
            given = f"{_ids['prefix']}-{_ids['next']():x}"
        request_id = given
        environ[REQUEST_ID] = request_id
        token = _request_id.set(request_id)
        status = ["500"]

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            status[0] = code[:3]
            headers.append(("X-Request-ID", request_id))
            return start_response(code, headers, exc_info)

        try:
            return self.wrapped(environ, start)
        finally:
            elapsed = time.perf_counter() - started
            endpoint = environ.get(ENDPOINT, UNMATCHED)
            method = environ.get("REQUEST_METHOD", "")
            key = (endpoint, method, status[0])
            children = self._children.get(key)
            if children is None:
                children = self._children.setdefault(key, (REQUESTS.labels(*key), LATENCY.labels(endpoint)))
            children[0].inc()
            children[1].observe(elapsed)
            if self.log_requests:
                log.info(
                    "request",
                    extra={
                        "method": method,
                        "path": environ.get("PATH_INFO", ""),
                        "endpoint": endpoint,
                        "status": int(status[0]),
                        "duration_ms": round(elapsed * 1000, 2),
                        "remote_addr": environ.get("REMOTE_ADDR"),
                    },
                )
            _request_id.reset(token)


def current_request_id(environ: WSGIEnvironment) -> str | None:
    return environ.get(REQUEST_ID)


# --- logs -----------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


def configure_logging(app: Flask) -> None:
    """LOG_FORMAT=json: one JSON object a line on stderr, each with its request id; else leave logging alone."""
    if app.config.get("LOG_FORMAT") != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("registry-json")
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "registry-json"] + [handler]
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())


# --- database: pool use and slow statements -------------------------------------------------------


_OUT = "registry_checked_out"


def _checked_out(_dbapi: Any, record: Any, _proxy: Any) -> None:
    record.record_info[_OUT] = True  # record_info outlives an invalidated connection; info does not
    DB_POOL_CHECKED_OUT.inc()


def _checked_in(_dbapi: Any, record: Any) -> None:
    # The pool also "checks in" a connection whose checkout failed (database down): not counted out.
    if record is not None and record.record_info.pop(_OUT, False):
        DB_POOL_CHECKED_OUT.dec()


def watch_engine(engine: Engine, slow_ms: int) -> None:
    """Pool gauges on every engine; statement timing only when SLOW_QUERY_MS > 0 (it costs on every query)."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        DB_POOL_SIZE.set(size())
    event.listen(engine, "connect", lambda *_: DB_CONNECTIONS.inc())
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)
    if slow_ms <= 0:
        return
    threshold = slow_ms / 1000

    def before(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info["registry_started"] = time.perf_counter()  # one statement at a time on a connection

    def after(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        elapsed = time.perf_counter() - conn.info.pop("registry_started", time.perf_counter())
        if elapsed >= threshold:
            SLOW_QUERIES.inc()
            slow_log.warning(
                "slow query",
                extra={"duration_ms": round(elapsed * 1000, 1), "statement": statement[:2000], "executemany": many},
            )

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)


def install(app: Flask, engines: Iterable[Engine]) -> None:
    """Logging, request ids and metrics for `app`; call after every other WSGI layer of the app is in place."""
    configure_logging(app)
    app.request_class = Request
    for engine in engines:
        watch_engine(engine, int(app.config.get("SLOW_QUERY_MS") or 0))
    app.wsgi_app = RequestTelemetry(app.wsgi_app, app.config.get("LOG_FORMAT") == "json")  # type: ignore[method-assign]
