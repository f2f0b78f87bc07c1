"""Gunicorn settings for the registry: threads suit its I/O-bound requests; workers share nothing."""

import multiprocessing
import os
import sys
from pathlib import Path

# prometheus_client opens its per-process files as metrics are defined, i.e. when registry is imported.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

from prometheus_client import multiprocess

from registry import create_app
from registry.config import ConfigurationError

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Recycling a worker empties its in-process scan cache (registry/services/scan_cache.py), and every
# scan then renders from the database until it is warm again. With the scan front door a worker
# answers a couple of thousand scans a second, so even 200,000 recycled every worker within two
# minutes of load. The cache is bounded (entries and bytes), so recycling only guards against a slow
# leak: do it rarely, with jitter so the workers do not restart together.
max_requests = 2_000_000
max_requests_jitter = 200_000
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Check the settings once in the master, so a refused production start exits at once, not per worker.

    With PROMETHEUS_MULTIPROC_DIR (metrics summed over workers, registry/observability.py) the
    directory is emptied first: values left by a previous run would be added to this one's.
    """
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        for stale in Path(metrics_dir).glob("*.db"):
            if not stale.name.endswith(f"_{os.getpid()}.db"):
                stale.unlink()
    try:
        create_app()
    except ConfigurationError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        sys.exit(2)


def child_exit(server, worker):
    """A dead worker's live gauges (connections in use) must not count any more."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
