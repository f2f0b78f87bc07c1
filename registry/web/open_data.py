"""Open data (`/open-data/…`: datasets in CSV and JSON, a DCAT-AP catalogue) and the national statistics page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for

from registry.services import metrics, open_data
from registry.services.timefmt import today_vn

from .producer import current_lang

bp = Blueprint("open_data", __name__)
MEDIA = {"csv": "text/csv", "json": "application/json"}


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _cell(value: Any) -> Any:
    """A CSV cell: lists joined by ' | ', booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return value


def _csv(ds: open_data.Dataset) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ds.fields)
    for n, row in enumerate(ds.rows(), 1):
        writer.writerow([_cell(row[f]) for f in ds.fields])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _json(ds: open_data.Dataset) -> Iterator[str]:
    head = {
        "dataset": ds.name,
        "scope": ds.scope.slug,
        "title": dict(zip(("vi", "en"), open_data.TITLES[ds.name], strict=True)),
        "license": open_data.LICENSE["url"],
        "generated_on": today_vn().isoformat(),
        "fields": list(ds.fields),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    for n, row in enumerate(ds.rows()):
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


@bp.get("/open-data/<scope>/<any(certificates, products, organizations, standards, targets):name>.<any(csv, json):fmt>")
def download(scope: str, name: str, fmt: str) -> Response:
    where = open_data.scope_of(scope)
    response = Response(mimetype=MEDIA[fmt])
    response.set_etag(open_data.etag(name, where, fmt))
    response.last_modified = open_data.last_modified()
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Disposition"] = f'inline; filename="{scope}-{name}.{fmt}"'
    response.headers["Link"] = f'<{open_data.LICENSE["url"]}>; rel="license"'
    response.make_conditional(request)
    if response.status_code == 304 or request.method == "HEAD":
        return response
    ds = open_data.dataset(name, where, _base())
    body = _csv(ds) if fmt == "csv" else _json(ds)
    response.response = stream_with_context(chunk.encode() for chunk in body)
    return response


def _scopes() -> list[open_data.Scope]:
    national = open_data.Scope(open_data.NATIONAL, None)
    return [national, *(open_data.Scope(p.slug, p) for p in open_data.provinces())]


@bp.get("/open-data/")
def index() -> str:
    lang = current_lang()
    return render_template(
        "open_data/index.html",
        scopes=_scopes(),
        datasets=open_data.DATASETS,
        titles=open_data.TITLES,
        license=open_data.LICENSE,
        lang=lang,
    )


def _texts(vi: str, en: str) -> list[dict[str, str]]:
    return [{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}]


def _catalog_entry(scope: open_data.Scope, name: str, base: str, modified: dict[str, str]) -> dict[str, Any]:
    vi_place, en_place = scope.names
    vi, en = open_data.TITLES[name]
    uri = f"{base}/open-data/{scope.slug}/{name}"
    licence = {"@id": open_data.LICENSE["url"]}
    entry: dict[str, Any] = {
        "@id": uri,
        "@type": "dcat:Dataset",
        "dct:identifier": f"{scope.slug}/{name}",
        "dct:title": _texts(f"{vi} — {vi_place}", f"{en} — {en_place}"),
        "dct:description": _texts(f"{vi} ({vi_place}).", f"{en} ({en_place})."),
        "dct:modified": modified,
        "dct:license": licence,
        "dct:publisher": {"@id": f"{base}/"},
        "dcat:distribution": [
            {
                "@id": f"{uri}.{fmt}",
                "@type": "dcat:Distribution",
                "dcat:accessURL": {"@id": f"{uri}.{fmt}"},
                "dcat:downloadURL": {"@id": f"{uri}.{fmt}"},
                "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
                "dct:format": fmt.upper(),
                "dct:license": licence,
            }
            for fmt, media in (("csv", "text/csv"), ("json", "application/json"))
        ],
    }
    if scope.province is not None:
        entry["dct:spatial"] = {"@id": f"{base}/places/provinces/{scope.slug}"}
    return entry


@bp.get("/open-data/catalog.jsonld")
def catalog() -> Response:
    """The DCAT-AP catalogue: one dataset per scope and kind, each with a CSV and a JSON distribution."""
    base = _base()
    modified = {"@value": open_data.last_modified().isoformat(), "@type": "xsd:dateTime"}
    document = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}/open-data/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _texts("Dữ liệu mở OCOP, tiêu chuẩn và chứng nhận", "OCOP, standards and certificates open data"),
        "dct:description": _texts(open_data.LICENSE["vi"], open_data.LICENSE["en"]),
        "dct:publisher": {"@id": f"{base}/", "@type": "foaf:Agent", "foaf:name": "Cơ sở dữ liệu OCOP và tiêu chuẩn"},
        "dct:license": {"@id": open_data.LICENSE["url"]},
        "dct:modified": modified,
        "foaf:homepage": {"@id": f"{base}/open-data/"},
        "dcat:dataset": [_catalog_entry(sc, name, base, modified) for sc in _scopes() for name in open_data.DATASETS],
    }
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/stats")
def national_stats() -> str:
    """Every province's yearly certificate count against the national goals (50,000 a year by 2030,
    70,000 by 2035), each province linking to its own page."""
    today = today_vn()
    first, last = min(2026, today.year), today.year
    years = list(range(first, last + 1))
    per_province = metrics.certificates_by_province_and_year(first, last)
    rows = [
        {"province": p, "years": per_province.get(p.id, {}), "href": url_for("dost.public_stats", slug=p.slug)}
        for p in open_data.provinces()
    ]
    totals = {y: sum(counts.get(y, 0) for counts in per_province.values()) for y in years}
    goals = {y: metrics.national_goal(y)[0] for y in years}
    return render_template(
        "open_data/stats.html", rows=rows, years=years, totals=totals, goals=goals, today=today, lang=current_lang()
    )
