"""What a web worker would otherwise pay on its first requests, paid once at its start (csdp/wsgi.py).

Measured on a fresh gunicorn worker (docs/performance.md, "Pages under 50 users"): its first request
took 330–820 ms against 10–30 ms for the next ones — importing every view module through the URLconf
(~500 ms), building the URL resolvers' reverse maps and compiling their regular expressions (~75 ms),
the template engine's tag libraries (~35 ms) and compiling the page's templates (~50 ms). Under the
locust load those first requests were the p95 of the rarely asked pages (the register positions page:
510 ms on each worker's first request, ~20 ms after).

Only code is warmed: modules, the URL maps, compiled templates (kept by Django's cached template
loader) — never business data, which is read per request so every process sees the same.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import formats, translation
from django.utils.module_loading import import_string

log = logging.getLogger("csdp.ops.warmup")


def warm_up() -> dict[str, int]:
    """Import the views, build the URL maps and compile every template; returns what was warmed."""
    started = time.perf_counter()
    with translation.override(settings.LANGUAGE_CODE):  # the reverse maps are kept per language
        resolvers = _warm_urls(get_resolver()) + _warm_namespaces(get_resolver())
        _warm_request_modules()
    templates = sum(_warm_templates(engine) for engine in engines.all())
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    log.info(
        "warm-up: %s URL resolvers, %s templates in %s ms",
        resolvers,
        templates,
        elapsed_ms,
        extra={"resolvers": resolvers, "templates": templates, "elapsed_ms": elapsed_ms},
    )
    return {"resolvers": resolvers, "templates": templates, "elapsed_ms": elapsed_ms}


def _warm_urls(resolver: URLResolver) -> int:
    """Every resolver's reverse map (reverse() and resolve() build them lazily, per resolver)."""
    resolver.reverse_dict  # noqa: B018  (the property builds and keeps the map)
    count = 1
    for pattern in resolver.url_patterns:  # imports the included URLconfs, hence the views
        pattern.pattern.regex  # noqa: B018  (compiled on first use otherwise)
        if isinstance(pattern, URLResolver):
            count += _warm_urls(pattern)
    return count


def _warm_request_modules() -> None:
    """What the first request imports or builds besides its view: the context processors, the
    language's date formats, the message and session back ends, the static files storage, the models'
    relation graph (built on the first query that follows a relation)."""
    for engine in engines.all():
        engine.engine.template_context_processors  # noqa: B018  (imports them)
    formats.get_format("DATETIME_FORMAT")
    import_string(settings.MESSAGE_STORAGE)
    import_string(settings.SESSION_SERIALIZER)
    staticfiles_storage.base_url  # noqa: B018  (sets the lazy storage up)
    for model in apps.get_models():
        model._meta.related_objects  # noqa: B018


def _warm_namespaces(resolver: URLResolver, path: str = "") -> int:
    """reverse("ns:name") goes through a resolver of its own per namespace (made and kept on first use):
    a name that matches nothing builds it as well as a real one."""
    count = 0
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        try:
            reverse(f"{path}{namespace}:warm-up")
        except NoReverseMatch:
            pass
        count += 1 + _warm_namespaces(sub, f"{path}{namespace}:")
    return count


def _warm_templates(engine) -> int:
    """Compile every template under the engine's directories; the cached loader keeps the result."""
    count = 0
    for directory in engine.template_dirs:
        root = Path(directory)
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix not in (".html", ".txt"):
                continue
            try:
                engine.get_template(path.relative_to(root).as_posix())
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue  # a fragment that only compiles inside its page, or not a template: left to its request
            count += 1
    return count
