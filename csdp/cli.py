"""`csdp`: the operators' command. `csdp clock show`, `csdp calendar list 2026`, `csdp audit verify`,
`csdp demo`, and every Django management command (`csdp migrate`, `csdp runserver` …).

Settings: DJANGO_SETTINGS_MODULE, default csdp.settings.dev (production sets csdp.settings.production).
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")
    from django.core.management import execute_from_command_line

    args = ["csdp", *(sys.argv[1:] if argv is None else argv)]
    if len(args) == 1:
        args.append("help")
    from csdp.lib.errors import CsdpError

    try:
        execute_from_command_line(args)
    except CsdpError as error:  # the command line's edge: the message on stderr, the refusal's exit code
        print(str(error), file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
