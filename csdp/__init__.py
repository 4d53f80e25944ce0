"""CSDP — an open central securities depository platform."""
import os

# Polars allocates through its own jemalloc, which hands freed pages back to the kernel within about ten
# seconds by default. An end-of-day step frees and reallocates gigabytes of frames within a second or two,
# and on a virtual machine every page taken back from the kernel costs a fault (and zeroing): 150,000
# fewer faults at 1M orders with pages kept for 30 s (docs/performance.md). Read once, when Polars is
# first imported — which is after this package, whatever the entry point. An operator's own setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:30000,muzzy_decay_ms:30000")
