"""What the greenshoe app adds to the IPO offering page (csdp.ipo.pages.offering_panel)."""

from __future__ import annotations

from csdp.greenshoe.selectors import offering_greenshoe
from csdp.ipo.pages import offering_panel

offering_panel("greenshoe", offering_greenshoe)
