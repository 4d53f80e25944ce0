"""Settings packages: base (everything, read from the environment), dev (make demo),
test (pytest) and production. Choose with DJANGO_SETTINGS_MODULE."""
