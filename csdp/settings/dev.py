"""Development and `make demo`: debug pages, settable business clock, outbox notifications,
the software USB-KEY and the demo world."""

import os

os.environ.setdefault("CSDP_CLOCK_SETTABLE", "1")
os.environ.setdefault("CSDP_SOFTWARE_KEY_ALLOWED", "1")
os.environ.setdefault("CSDP_STAFF_SECOND_FACTOR", "0")
os.environ.setdefault("CSDP_DEMO", "1")

from csdp.settings.base import *  # noqa: F403
from csdp.lib.env import env_bool

DEBUG = env_bool("DEBUG", True)
