"""CSDP — an open central securities depository platform."""
