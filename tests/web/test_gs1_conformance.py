"""The resolver judged as GS1 judges it: their schemas (../shared/standards), their test suite's checks, and a table
of Digital Link URIs from the GS1 Digital Link URI syntax and compression standards."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from jsonschema import Draft7Validator, FormatChecker

from registry.services import dl_compression
from registry.services.digital_link import build_path
from tests.helpers import valid_gtin13

BASE = "https://registry.example.vn"
# ../shared/standards beside the repository, as CI lays it; STANDARDS_DIR overrides (a worktree elsewhere).
STANDARDS = Path(os.environ.get("STANDARDS_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "standards")
VOC = "https://gs1.org/voc/"
JSON = {"Accept": "application/json"}
LINKSET = "application/linkset+json"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
LOT = "NM-2611/A"


def _validator(relative: str) -> Draft7Validator:
    path = STANDARDS / relative
    if not path.exists():
        pytest.skip(f"GS1's schemas are not at {STANDARDS} (CI lays shared/ beside the repository): {relative} missing")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def linkset_schema() -> Draft7Validator:
    return _validator("linkset/gs1-linkset-schema.json")


@pytest.fixture
def description_schema() -> Draft7Validator:
    return _validator("resolver/description-file-schema-1.2.0.json")


def _valid(validator: Draft7Validator, document: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def product(world, client):
    """A product with a certificate and a lot whose number holds a slash."""
    h = world.headers(world.admin)
    org = world.organization()
    gtin = valid_gtin13(31).zfill(14)
    made = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Nước mắm Nam Ô, 40 độ", "gtin": gtin}
    ).get_json()
    body = client.post("/api/v1/certification-bodies", headers=h, json={"name": "Trung tâm Chứng nhận"}).get_json()
    client.post(
        "/api/v1/certificates",
        headers=h,
        json={
            "number": "CN-31",
            "certification_body_id": body["id"],
            "organization_id": org.id,
            "category": "product_standard",
            "product_ids": [made["id"]],
            "issued_on": "2026-03-01",
            "expires_on": "2029-02-28",
        },
    )
    batch = client.post(
        "/api/v1/batches", headers=h, json={"product_id": made["id"], "lot": LOT, "produced_on": "2026-04-02"}
    ).get_json()
    return {"gtin": gtin, "id": made["id"], "batch": batch["id"], "org": org}


# --- the owners' schemas ---------------------------------------------------------------------


def test_the_schemas_tell_gs1s_own_valid_and_invalid_examples_apart(linkset_schema):
    valid = json.loads((STANDARDS / "linkset/valid-gs1-example.json").read_text(encoding="utf-8"))
    invalid = json.loads((STANDARDS / "linkset/invalid-gs1-example.json").read_text(encoding="utf-8"))
    assert _valid(linkset_schema, valid) == []
    assert _valid(linkset_schema, invalid) != []


def test_the_description_file_validates_against_the_1_2_0_schema_and_allows_any_origin(client, description_schema):
    res = client.get("/.well-known/gs1resolver")
    data = res.get_json()
    assert res.status_code == 200 and _valid(description_schema, data) == []
    assert data["supportedPrimaryKeys"] == ["01"] and data["resolverRoot"] == BASE
    assert data["supportedLinkType"] == [{"namespace": VOC, "prefix": "gs1:"}]
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    context = client.get(urlsplit(data["jsonLdContextLocation"]).path)
    assert context.status_code == 200 and "@context" in context.get_json()
    preflight = client.options(
        "/.well-known/gs1resolver",
        headers={"Origin": "https://tester.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_every_linkset_the_resolver_answers_validates_against_gs1s_linkset_schema(client, product, linkset_schema):
    gtin, lot = product["gtin"], build_path("0", lot=LOT).removeprefix("/01/0")
    urls = [
        f"/01/{gtin}",
        f"/01/{gtin}{lot}",
        f"/01/{gtin}/10/UNKNOWN",  # walks up
        f"/01/{gtin}{lot}/21/S-1",
        f"/01/{gtin}/235/TPX-1",
        f"/01/{gtin}{lot}?17=271231",
        "/" + _compress([("01", gtin), ("10", LOT)]),
    ]
    for url in urls:
        joiner = "&" if "?" in url else "?"
        for res in (client.get(url + joiner + "linkType=linkset"), client.get(url, headers={"Accept": LINKSET})):
            assert res.status_code == 200 and res.mimetype == "application/linkset+json", url
            document = res.get_json()
            assert _valid(linkset_schema, document) == [], url
            [entry] = document["linkset"]
            assert entry["itemDescription"].startswith("Nước mắm Nam Ô")
    # linkType=all asked for as JSON (GS1's test suite) is the same linkset labelled application/json
    res = client.get(f"/01/{gtin}?linkType=all", headers=JSON)
    assert res.mimetype == "application/json" and _valid(linkset_schema, res.get_json()) == []


def test_the_linkset_is_also_served_as_json_ld_with_the_context_the_description_file_names(client, product):
    res = client.get(f"/01/{product['gtin']}?linkType=all", headers={"Accept": "application/ld+json"})
    body = res.get_json()
    context = client.get("/.well-known/gs1resolver").get_json()["jsonLdContextLocation"]
    assert res.mimetype == "application/ld+json" and body["@context"] == context
    assert body["linkset"][0]["anchor"] == f"{BASE}/01/{product['gtin']}"


def test_the_default_link_carries_only_its_target_and_title(client, product):
    [entry] = client.get(f"/01/{product['gtin']}?linkType=linkset").get_json()["linkset"]
    [default] = entry[VOC + "defaultLink"]
    assert default == {"href": f"{BASE}/01/{product['gtin']}", "title": "Nước mắm Nam Ô, 40 độ"}
    assert {link["hreflang"][0] for link in entry[VOC + "defaultLinkMulti"]} == {"vi", "en"}


# --- GS1's resolver test suite, check by check --------------------------------------------------


def _links(header: str) -> list[dict[str, str]]:
    """The Link header read as the test suite reads it (split on commas, then rel/title/hreflang/type)."""
    out = []
    for part in header.split(","):
        item = {"href": part[part.index("<") + 1 : part.index(">")]}
        for name in ("rel", "title", "hreflang", "type"):
            marker = f'; {name}="'
            if marker in part:
                item[name] = part.split(marker, 1)[1].split('"', 1)[0]
        out.append(item)
    return out


def test_cors_get_head_and_options_preflight(client, product):
    url = f"/01/{product['gtin']}"
    for method in ("GET", "HEAD"):
        res = client.open(url, method=method, headers={"Origin": "https://tester.example"})
        assert res.status_code == 200 and res.headers["Access-Control-Allow-Origin"] == "*"
        assert {"GET", "HEAD", "OPTIONS"} <= {m.strip() for m in res.headers["Access-Control-Allow-Methods"].split(",")}
        assert {"Link", "Location"} <= {h.strip() for h in res.headers["Access-Control-Expose-Headers"].split(",")}
    preflight = client.options(
        url,
        headers={
            "Origin": "https://tester.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept, accept-language",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"accept", "accept-language"} <= allowed
    redirect = client.get(url + "?linkType=gs1:certificationInfo")
    problem = client.get(url + "/foo", headers=JSON)
    assert redirect.headers["Access-Control-Allow-Origin"] == problem.headers["Access-Control-Allow-Origin"] == "*"


def test_every_link_in_the_link_header_has_a_title_and_its_link_type_redirects_to_it(client, product):
    url = f"/01/{product['gtin']}{build_path('0', lot=LOT).removeprefix('/01/0')}"
    links = _links(client.get(url).headers["Link"])
    assert links and all(link.get("rel") and link.get("title") for link in links)
    for link in links:
        if link["rel"] == "linkset":
            continue  # ?linkType=linkset answers the linkset itself (see README)
        res = client.get(url, query_string={"linkType": link["rel"]})
        assert res.status_code == 307 and res.headers["Location"].split("?")[0] == link["href"].split("?")[0]
        assert res.headers["Link"]  # the links are exposed when redirecting too


def test_a_link_type_redirect_passes_on_the_rest_of_the_query_string(client, product):
    res = client.get(f"/01/{product['gtin']}?linkType=gs1:pip&foo=bar&17=271231&lang=en")
    assert res.status_code == 307
    target = urlsplit(res.headers["Location"])
    assert dict(parse_qsl(target.query)) == {"lang": "en", "foo": "bar", "17": "271231"}
    res = client.get(f"/01/{product['gtin']}?linkType=gs1:certificationInfo&foo=bar")
    assert res.headers["Location"].endswith("?foo=bar")


def test_errors_are_400_never_200_and_a_trailing_slash_changes_nothing(client, product):
    url = f"/01/{product['gtin']}"
    assert client.get(url + "/foo").status_code == 400
    plain, slash = client.get(url, headers=HTML), client.get(url + "/", headers=HTML)
    assert plain.status_code == slash.status_code == 200 and plain.headers.get("Location") == slash.headers.get(
        "Location"
    )


def test_a_plain_request_is_answered_in_place_as_the_default_link_is_the_request_uri(client, product):
    url = f"/01/{product['gtin']}"
    res = client.get(url, headers=HTML)
    assert res.status_code == 200 and "Accept" in res.headers["Vary"]
    default = [link for link in _links(res.headers["Link"]) if link["rel"] == "gs1:defaultLink"]
    assert [link["href"] for link in default] == [BASE + url]


def test_an_unknown_lot_or_serial_walks_up_to_the_gtins_links(client, product):
    gtin = product["gtin"]
    for url, ai in ((f"/01/{gtin}/10/NOPE", "10"), (f"/01/{gtin}/21/S-9", "21"), (f"/01/{gtin}/235/T-9", "235")):
        body = client.get(url, headers=JSON).get_json()
        assert body["walk_up"]["ai"] == ai and body["walk_up"]["to"] == f"{BASE}/01/{gtin}"
        assert body["product"]["id"] == product["id"]
    known = client.get(f"/01/{gtin}{build_path('0', lot=LOT).removeprefix('/01/0')}", headers=JSON).get_json()
    assert known["walk_up"] is None and known["batch"]["lot"] == LOT


# --- compressed Digital Links ------------------------------------------------------------------

# From the GS1 Digital Link compression prototype's own examples (the standard's reference implementation).
STANDARD_VECTORS = [
    ("AN2yxDhfaiaw", [("00", "998440410914660971")], []),
    ("AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ", [("01", "05412345000013"), ("10", "ABC&+123"), ("7003", "1903061658")], []),
    (
        "AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g",
        [("01", "05412345000013"), ("10", "ABC&+123"), ("7003", "1903061658")],
        [("expdt", "1903061658"), ("k1", "v1")],
    ),
]


@pytest.mark.parametrize(("compressed", "elements", "others"), STANDARD_VECTORS)
def test_the_standards_compressed_examples_decompress(compressed, elements, others):
    assert dl_compression.decompress(compressed) == (elements, others)


def _compress(elements: list[tuple[str, str]]) -> str:
    """A test-side encoder written from the standard's description (no optimisation codes), to make inputs."""
    bits = []
    for ai, value in elements:
        bits += [format(int(d), "04b") for d in ai]
        rest = value
        for part in dl_compression.components(ai):
            if part.numeric and part.fixed:
                chunk, rest = rest[: part.length], rest[part.length :]
                bits.append(format(int(chunk), f"0{dl_compression.value_bits(part.length)}b"))
                continue
            chunk, rest = rest, ""
            if part.numeric:
                bits.append(format(len(chunk), f"0{dl_compression.length_bits(part.length)}b"))
                bits.append(format(int(chunk), f"0{dl_compression.value_bits(len(chunk))}b"))
                continue
            encoding, width = (3, 6) if all(c in dl_compression.BASE64 for c in chunk) else (4, 7)
            bits.append(format(encoding, "03b") + format(len(chunk), f"0{dl_compression.length_bits(part.length)}b"))
            alphabet = dl_compression.BASE64
            bits += [format(alphabet.index(c) if width == 6 else ord(c), f"0{width}b") for c in chunk]
    binary = "".join(bits)
    binary += "0" * (-len(binary) % 6)
    return "".join(dl_compression.BASE64[int(binary[i : i + 6], 2)] for i in range(0, len(binary), 6))


def test_the_test_encoder_round_trips_through_the_decoder():
    elements = [("01", "09506000134352"), ("10", "AB-12/x"), ("21", "0042"), ("17", "271231"), ("3103", "000750")]
    assert dl_compression.decompress(_compress(elements)) == (elements, [])
    assert math.ceil(14 * math.log2(10)) == dl_compression.value_bits(14) == 47


def test_a_compressed_uri_is_answered_like_its_uncompressed_form_with_an_owl_same_as_link(client, product):
    gtin = product["gtin"]
    compressed = "/" + _compress([("01", gtin), ("10", LOT), ("17", "271231")])
    uncompressed = f"{BASE}/01/{gtin}/10/NM-2611%2FA?17=271231"
    for headers in (HTML, JSON):
        plain = client.get(uncompressed.removeprefix(BASE), headers=headers)
        res = client.get(compressed, headers=headers)
        assert res.status_code == plain.status_code == 200 and res.headers.get("Location") is None
        nonce = re.compile(rb'nonce="[^"]+"')  # a fresh CSP nonce per answer
        assert nonce.sub(b"", res.get_data()) == nonce.sub(b"", plain.get_data())
        links = _links(res.headers["Link"])
        assert {"href": uncompressed, "rel": "owl:sameAs"} in links
        assert {"href": uncompressed, "rel": "canonical"} in links
    redirect = client.get(compressed + "?linkType=gs1:certificationInfo&foo=bar")
    expected = client.get(uncompressed.removeprefix(BASE) + "&linkType=gs1:certificationInfo&foo=bar")
    assert redirect.status_code == expected.status_code == 307
    assert redirect.headers["Location"] == expected.headers["Location"]
    [entry] = client.get(compressed, query_string={"linkType": "linkset"}).get_json()["linkset"]
    assert entry["anchor"] == f"{BASE}/01/{gtin}/10/NM-2611%2FA"


def test_a_partially_compressed_uri_is_answered_like_its_uncompressed_form(client, product):
    gtin = product["gtin"]
    res = client.get(f"/01/{gtin}/" + _compress([("10", LOT), ("17", "271231")]), headers=JSON)
    uncompressed = f"{BASE}/01/{gtin}/10/NM-2611%2FA?17=271231"
    assert res.status_code == 200 and res.get_json()["batch"]["lot"] == LOT
    assert {"href": uncompressed, "rel": "owl:sameAs"} in _links(res.headers["Link"])
    assert client.get(f"/01/{gtin}/foo", headers=JSON).status_code == 400


def test_a_path_segment_that_is_not_a_compressed_link_is_the_sites_ordinary_404_or_redirect(client):
    assert client.get("/nothing-here-at-all").status_code == 404
    res = client.get("/voc")
    assert res.status_code in (301, 308) and res.headers["Location"].endswith("/voc/")


# --- a table of Digital Link URIs and what the standard says of each ------------------------------


def _table(gtin: str) -> list[tuple[str, int, str | None]]:
    """(request, expected status, the AI a 400 names): GS1 Digital Link URI syntax 1.4+ and the compression section."""
    g13, g = gtin[1:], gtin
    unknown = valid_gtin13(77).zfill(14)
    return [
        # valid
        (f"/01/{g}", 200, None),
        (f"/01/{g13}", 301, None),  # GTIN-13 normalised to 14 digits
        (f"/01/{g}/10/NM-2611%2FA", 200, None),
        (f"/01/{g}/10/NOPE", 200, None),  # walk-up
        (f"/01/{g}/22/V1/10/NM-2611%2FA/21/S-1", 200, None),
        (f"/01/{g}/235/TPX-1", 200, None),  # TPX is a GTIN key qualifier
        (f"/01/{g}/235/{'A' * 28}", 200, None),
        (f"/01/{g}/10/NM-2611%2FA?17=271231", 200, None),
        (f"/01/{g}?99=internal&foo=bar", 200, None),
        (f"/01/{g}/", 200, None),  # a trailing slash is tolerated
        (f"/01/{unknown}", 404, None),
        # invalid
        (f"/01/{g[:-1]}0" if g[-1] != "0" else f"/01/{g[:-1]}1", 400, "01"),  # check digit
        ("/01/123", 400, "01"),
        ("/01//10/A", 400, "01"),  # empty segment, never merged into /01/10/A
        (f"/01/{g}//10/A", 400, "01"),
        (f"/01/{g}/10//21/S", 400, "10"),
        (f"/01/{g}/21/S/10/L", 400, "10"),  # order 22, 10, 21
        (f"/01/{g}/10/L/22/V", 400, "22"),
        (f"/01/{g}/10/L/235/T", 400, "235"),  # 235 stands alone
        (f"/01/{g}/21/S/21/T", 400, "21"),
        (f"/01/{g}/99/x", 400, "99"),  # not a key qualifier
        (f"/01/{g}/10/{'A' * 21}", 400, "10"),  # X..20
        (f"/01/{g}/235/{'A' * 29}", 400, "235"),  # X..28
        (f"/01/{g}/10/%ZZ", 400, "10"),  # malformed percent-encoding
        (f"/01/{g}/10/A%E2%82", 400, "10"),
        (f"/01/{g}/10/L", 200, None),
        (f"/01/{g}/foo", 400, "foo"),
        (f"/01/{g}?99=A&99=A", 400, "99"),  # a data attribute given twice
        (f"/01/{g}?17=271231&17=271231", 400, "17"),
        (f"/01/{g}/10/L?10=M", 400, "10"),  # a key qualifier in the query string
        (f"/01/{g}?17=271340", 400, "17"),  # not a date
        (f"/01/{g}?3103=12", 400, "3103"),  # N6
        (f"/01/{g}?7777=1", 400, "7777"),  # no such AI
        # compressed
        ("/" + _compress([("01", g)]), 200, None),
        ("/" + _compress([("01", g), ("10", "NM-2611/A"), ("17", "271231")]), 200, None),
        ("/" + _compress([("01", unknown)]), 404, None),
        ("/" + _compress([("01", g), ("21", "S"), ("10", "L")]), 400, "10"),  # order holds when compressed too
        ("/" + _compress([("01", g), ("17", "271340")]), 400, "17"),
        ("/AN2yxDhfaiaw", 404, None),  # an SSCC: a primary key this resolver does not serve, as /00/… is not
    ]


def test_the_table_of_digital_link_uris(client, product):
    failures = []
    for url, status, ai in _table(product["gtin"]):
        res = client.get(url, headers=JSON)
        got_ai = None
        if res.status_code == 400:
            body = res.get_json()
            assert res.mimetype == "application/problem+json", url
            got_ai = body["errors"][0]["field"]
        if (res.status_code, got_ai) != (status, ai):
            failures.append(f"{url}: {res.status_code} {got_ai}, expected {status} {ai}")
    assert failures == []
