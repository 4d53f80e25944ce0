"""Plain helpers shared by the domain apps (no models here)."""
