"""The favicon and the web app manifest: every page names them and every icon they list is served."""

from __future__ import annotations

import io

from PIL import Image


def test_the_manifest_lists_icons_that_are_served_at_their_stated_sizes(client):
    res = client.get("/manifest.webmanifest")
    assert res.status_code == 200 and res.mimetype == "application/manifest+json"
    manifest = res.get_json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["lang"] == "vi"
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as served:  # a file response: closed once read
            assert served.status_code == 200 and served.mimetype == icon["type"], icon
            if icon["type"] == "image/png":
                width, height = Image.open(io.BytesIO(served.data)).size
                assert f"{width}x{height}" == icon["sizes"]


def test_the_favicon_is_an_icon_and_every_kind_of_page_links_it(client):
    with client.get("/favicon.ico") as res:
        assert res.status_code == 200 and Image.open(io.BytesIO(res.data)).format == "ICO"
    for path in ("/", "/verify", "/search", "/01/08938600000019"):
        page = client.get(path).get_data(as_text=True)
        assert 'rel="manifest" href="/manifest.webmanifest"' in page and 'rel="icon"' in page, path
