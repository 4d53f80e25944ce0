"""The command line's one translation of a refusal: a ``CsdpError`` leaving a command becomes its
Chinese message (with every problem) on stderr and the error's ``exit_code`` (2: refused; 1 stays
Django's usage/internal errors). ``CsdpCommand`` is the base of our management commands;
``csdp.cli.main`` applies the same rule to anything else that lets a refusal out."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from csdp.lib.errors import CsdpError


def as_command_error(error: CsdpError) -> CommandError:
    return CommandError(str(error), returncode=error.exit_code)


class CsdpCommand(BaseCommand):
    def execute(self, *args: object, **options: object) -> str | None:
        try:
            result: str | None = super().execute(*args, **options)
            return result
        except CsdpError as error:
            raise as_command_error(error) from error
