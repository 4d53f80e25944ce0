"""The one state-machine mechanism (../shared/style.md habit 8).

A machine is declared once, beside its status choices::

    class Status(models.TextChoices):
        PREPARED = "prepared", "待复核"   # the operator prepared it; a different reviewer must approve
        ...

    MACHINE = Machine(Status, {
        Status.PREPARED: {Status.APPROVED: STAFF, Status.REJECTED: STAFF},
        Status.APPROVED: {Status.APPLIED: SYSTEM},
        ...
    })

A transition target maps to the actors who may make it (``USER``, ``STAFF``, ``SYSTEM`` or any
strings the domain needs); ``ANYONE`` when the actor does not matter. ``MACHINE.check(a, b, by=...)``
raises ``TransitionRefused`` with a Chinese message; ``transition_record`` checks, locks, moves and
writes one history row (the abstract ``TransitionRow`` shape) in the caller's transaction.
History tables are append-only in the database: ``append_only("app_table", ...)`` in a migration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import migrations, models

from csdp.lib.errors import CsdpError

USER, STAFF, SYSTEM = "user", "staff", "system"
ANYONE = frozenset({USER, STAFF, SYSTEM})
ACTOR_LABELS = {USER: "申请人", STAFF: "本公司", SYSTEM: "系统"}


def actor_kind(actor: object, *, otherwise: str = USER) -> str:
    """STAFF for a depository staff user (one with a ``staff_role``), else ``otherwise``."""
    return STAFF if getattr(actor, "staff_role", "") else otherwise


class TransitionRefused(CsdpError):
    code = "state.transition_refused"
    status = 409

    def __init__(
        self,
        from_label: str,
        to_label: str,
        by: str | None = None,
        *,
        from_state: str = "",
        to_state: str = "",
        who: str | None = None,
    ) -> None:
        if who is None:
            who = ACTOR_LABELS.get(by, by) if by else ""
        super().__init__(f"当前状态“{from_label}”不能{'由' + who if who else ''}变更为“{to_label}”。")
        self.from_state, self.to_state, self.by = from_state, to_state, by


class Machine:
    """Allowed transitions of one status field: ``{from: {to: actors}}`` (actors may be omitted by
    giving a set of targets, meaning anyone).

    ``error`` is the TransitionRefused subclass raised (a domain's, so that its callers' handling of
    the domain error covers refused transitions too); ``actor_labels`` names the actors in messages."""

    def __init__(
        self,
        choices: type[models.TextChoices],
        transitions: Mapping[str, Mapping[str, Iterable[str]] | Iterable[str]],
        *,
        error: type[TransitionRefused] = TransitionRefused,
        actor_labels: Mapping[str, str] | None = None,
    ):
        self.choices = choices
        self.error = error
        self.actor_labels = {**ACTOR_LABELS, **(actor_labels or {})}
        self.transitions: dict[str, dict[str, frozenset[str]]] = {}
        for source, targets in transitions.items():
            if isinstance(targets, Mapping):
                self.transitions[source] = {t: frozenset(a) for t, a in targets.items()}
            else:
                self.transitions[source] = dict.fromkeys(targets, ANYONE)
        unknown = set(self.transitions) | {t for ts in self.transitions.values() for t in ts}
        unknown -= set(choices.values)
        if unknown:
            raise ValueError(f"{choices.__name__}: transitions name unknown states {sorted(unknown)}")
        for state in choices.values:
            self.transitions.setdefault(state, {})
        self.final = frozenset(s for s, ts in self.transitions.items() if not ts)
        # name the actor in a refusal only where the actor decides (a machine with per-actor rules)
        self.by_actor = any(a != ANYONE for ts in self.transitions.values() for a in ts.values())

    def label(self, state: str) -> str:
        try:
            return str(self.choices(state).label)
        except ValueError:
            return state

    def allowed(self, from_state: str, to_state: str, by: str | None = None) -> bool:
        actors = self.transitions.get(from_state, {}).get(to_state)
        return actors is not None and (by is None or by in actors)

    def targets(self, from_state: str, by: str | None = None) -> frozenset[str]:
        return frozenset(t for t in self.transitions.get(from_state, {}) if self.allowed(from_state, t, by))

    def check(self, from_state: str, to_state: str, by: str | None = None) -> None:
        if not self.allowed(from_state, to_state, by):
            raise self.error(
                self.label(from_state),
                self.label(to_state),
                by,
                from_state=from_state,
                to_state=to_state,
                who=self.actor_labels.get(by, by) if by and self.by_actor else "",
            )


class TransitionRow(models.Model):
    """The one shape of a history row: who, when, from → to, why. Subclass with a ``subject``
    foreign key (``related_name="transitions"``); make the table append-only in its migration."""

    from_state = models.CharField("原状态", max_length=30, blank=True)
    to_state = models.CharField("新状态", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_kind = models.CharField("操作方", max_length=10, default=STAFF)
    reason = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间")

    # the subject's Machine, for the labels below (set it on the subclass)
    machine: Machine | None = None

    class Meta:
        abstract = True
        ordering = ["id"]

    @property
    def from_label(self) -> str:
        if not self.from_state:
            return "—"
        return self.machine.label(self.from_state) if self.machine else self.from_state

    @property
    def to_label(self) -> str:
        return self.machine.label(self.to_state) if self.machine else self.to_state


def transition_record(
    *,
    machine: Machine,
    subject: models.Model,
    to_state: str,
    history: type[TransitionRow],
    actor: Any = None,
    by: str = STAFF,
    reason: str = "",
    at: dt.datetime,
    field: str = "status",
    update_fields: Iterable[str] = (),
    **row_fields: Any,
) -> TransitionRow:
    """Move ``subject`` to ``to_state``: lock its row, re-read the state, check, save, record.

    Runs in the caller's transaction (call it inside ``transaction.atomic``); the history row and
    the status commit or roll back together. ``update_fields`` names other fields the caller changed.
    ``at`` is the business time (``csdp.clock.services.clock_now()``; lib does not import the clock).
    ``row_fields`` are the history model's own extra columns (e.g. ``actor_label``).
    """
    model = type(subject)
    current = model._default_manager.select_for_update().values_list(field, flat=True).get(pk=subject.pk)
    machine.check(current, to_state, by)
    setattr(subject, field, to_state)
    subject.save(update_fields=[field, *update_fields])
    subject_field = next(f.name for f in history._meta.fields if f.is_relation and f.related_model is model)
    row: TransitionRow = history._default_manager.create(
        **{subject_field: subject},
        from_state=current,
        to_state=to_state,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_kind=by,
        reason=reason,
        at=at,
        **row_fields,
    )
    return row


def _append_only_sql(tables: tuple[str, ...], vendor: str, up: bool) -> list[str]:
    if vendor == "postgresql":
        if up:
            return [
                """CREATE OR REPLACE FUNCTION csdp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN
                     RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '23000';
                   END $$"""
            ] + [
                sql
                for t in tables
                for sql in (
                    f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}",  # again after a table was altered
                    f"""CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
                        FOR EACH ROW EXECUTE FUNCTION csdp_append_only()""",
                )
            ]
        return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in tables]
    if vendor == "sqlite":
        if up:
            # SQLite rebuilds a table for most column changes and its triggers go with the old one:
            # a migration that alters a history table applies append_only to it again.
            return [
                sql
                for t in tables
                for op in ("UPDATE", "DELETE")
                for sql in (
                    f"DROP TRIGGER IF EXISTS {t}_no_{op.lower()}",
                    f"""CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t}
                        BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END""",
                )
            ]
        return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in tables for op in ("update", "delete")]
    return []


def append_only(*tables: str) -> migrations.RunPython:
    """A migration operation that makes history tables refuse UPDATE and DELETE (PostgreSQL and
    SQLite), so a history cannot be rewritten behind the services: corrections are new rows."""

    def run(up: bool) -> Callable[[Any, Any], None]:
        def apply(apps: Any, schema_editor: Any) -> None:
            for sql in _append_only_sql(tables, schema_editor.connection.vendor, up):
                schema_editor.execute(sql, None)  # None: no placeholders, "%" is plpgsql

        return apply

    return migrations.RunPython(run(True), run(False))
