"""The baseline of the HTTP benchmarks: a Flask app with one route and nothing else (no extensions, no hooks)."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}
