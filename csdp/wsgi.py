import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.production")
application = get_wsgi_application()

# A worker pays its first requests' imports and template compilation here, before it accepts any
# (csdp/ops/warmup.py). Not under DEBUG: runserver restarts on every edit and would wait for it each time.
if not settings.DEBUG:
    from csdp.ops.warmup import warm_up

    try:
        warm_up()
    except Exception:  # only a speed-up: a worker that could not warm up still serves, cold
        logging.getLogger("csdp.ops.warmup").exception("warm-up failed; this worker starts cold")
