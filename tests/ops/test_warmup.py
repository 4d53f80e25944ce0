"""A web worker pays its first request's imports and template compilation at its start (csdp/wsgi.py),
so no user waits half a second for a worker's first page (docs/performance.md, issue 18)."""

from __future__ import annotations

from django.template import engines
from django.urls import clear_url_caches, get_ns_resolver

from csdp.ops.warmup import warm_up


def _cached_loader():
    return engines["django"].engine.template_loaders[0]


def test_templates_are_compiled_once_per_process_by_the_cached_loader():
    # Production and the benchmark inherit base.TEMPLATES: no "loaders" option, DEBUG off, so Django
    # wraps the file and app loaders in its cached loader; a compiled template lives as long as the worker.
    assert type(_cached_loader()).__module__ == "django.template.loaders.cached"


def test_warm_up_compiles_every_page_template_before_the_first_request():
    _cached_loader().reset()

    warmed = warm_up()

    cached = {key.split(":")[0] for key in _cached_loader().get_template_cache}
    assert {"portal/home.html", "register/security_positions.html", "securities/security_list.html"} <= cached
    assert warmed["templates"] >= len(cached) > 100


def test_warm_up_builds_the_url_maps_that_reverse_uses():
    clear_url_caches()

    warm_up()

    assert get_ns_resolver.cache_info().currsize >= 15  # one per namespace with a prefix (counter:, ipo:, …)
