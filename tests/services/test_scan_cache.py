"""The scan cache's rules: one version check per interval, no stale store, bounded size."""

from __future__ import annotations

from registry.services.scan_cache import Cached, ScanCache, registry_version
from tests.helpers import valid_gtin13

PAGE = Cached(200, b"page", "text/html")


class Version:
    def __init__(self) -> None:
        self.value, self.reads = 1, 0

    def __call__(self) -> int:
        self.reads += 1
        return self.value


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(check: float = 1.0, size: int = 100) -> tuple[ScanCache, Version, Clock]:
    version, clock = Version(), Clock()
    return ScanCache(check, version=version, max_entries=size, clock=clock), version, clock


def test_the_version_is_read_at_most_once_per_interval():
    cache, version, clock = make()
    cache.put("k", PAGE, cache.generation())
    for _ in range(50):
        assert cache.get("k") == PAGE
    assert version.reads == 1
    clock.now = 1.01
    cache.get("k")
    assert version.reads == 2


def test_a_new_version_drops_every_entry_at_the_next_check_and_not_before():
    cache, version, clock = make()
    cache.put("k", PAGE, cache.generation())
    version.value = 2
    clock.now = 0.99
    assert cache.get("k") == PAGE
    clock.now = 1.0
    assert cache.get("k") is None and len(cache) == 0


def test_an_answer_rendered_before_a_noticed_change_is_not_stored():
    cache, version, clock = make()
    generation = cache.generation()  # taken before reading the database
    version.value, clock.now = 2, 5.0
    assert cache.get("other") is None  # another thread notices the change meanwhile
    cache.put("k", PAGE, generation)
    assert cache.get("k") is None
    cache.put("k", PAGE, cache.generation())
    assert cache.get("k") == PAGE


def test_the_least_recently_used_entry_goes_first_when_full():
    cache, _, _ = make(size=2)
    generation = cache.generation()
    cache.put("a", PAGE, generation)
    cache.put("b", PAGE, generation)
    cache.get("a")
    cache.put("c", PAGE, generation)
    assert cache.get("b") is None and cache.get("a") == PAGE and cache.get("c") == PAGE


def test_an_interval_of_zero_turns_the_cache_off():
    cache, version, _ = make(check=0)
    cache.put("k", PAGE, cache.generation())
    assert cache.get("k") is None and not cache.enabled and len(cache) == 0
    assert version.reads == 0


def test_every_audited_write_moves_the_registry_version(app, client, world):
    org = world.organization()
    before = registry_version()
    res = client.post(
        "/api/v1/products",
        headers=world.headers(world.admin),
        json={"organization_id": org.id, "name": "Trà", "gtin": valid_gtin13(51)},
    )
    assert res.status_code == 201, res.get_json()
    assert registry_version() > before
