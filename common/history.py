"""History kept by PostgreSQL triggers (django-pghistory), and who made each change.

pghistory's triggers copy a row into an event table when it changes, so every write is recorded,
`.update()` and raw SQL included. Who made it comes from the *context*: `pghistory.context(...)`
(the request's user and URL, set by `pghistory.middleware.HistoryMiddleware`; a Celery task or a
management command adds its own with `with pghistory.context(task="..."):`) is handed to
PostgreSQL as two transaction-local settings that the triggers read.

pghistory hands them over by putting `SELECT set_config(...); ` in front of each write statement,
with the statement's parameters. PostgreSQL refuses several statements in one prepared (extended
protocol) query, and dgaweb binds parameters on the server (`server_side_binding`, see settings:
a third less CPU per autosave), so that would fail on every write. `install()` replaces it with
`history_context_wrapper`, which sends the settings as a statement of their own just before the
write, in the same transaction.

Guarantees:
- inside `pghistory.context(...)`, every write statement on PostgreSQL runs in a transaction in
  which `pghistory.context_id` and `pghistory.context_metadata` hold the current context (a
  statement in autocommit mode gets a transaction of its own, so the settings reach it);
- every other statement (SELECT, SAVEPOINT, DDL, ...) is sent as it is, with nothing before it;
- on any other database (SQLite for `make run`) nothing is added: there are no triggers there;
- a statement that writes many rows pays for the history in proportion to the rows
  (`define_trigger_ignore_list`).
"""

import contextlib
import json

import pghistory
import pgtrigger
from django.db import transaction
from django.db.backends.signals import connection_created
from pghistory import config as pghistory_config
from pghistory import runtime as pghistory_runtime
from pghistory.trigger import Event as EventTrigger

# The statements that can fire a trigger. pghistory prefixes every statement but a few kinds
# (SELECT, DDL, ...), which costs nothing there; here each costs a round trip, so the context goes
# only with these (not with SAVEPOINT, RELEASE, SELECT ... FOR UPDATE).
WRITES = ("insert", "update", "delete", "merge", "with", "copy")
SET_CONTEXT_SQL = (
    "SELECT set_config('pghistory.context_id', %s, true), "
    "set_config('pghistory.context_metadata', %s, true)"
)


def history_context_wrapper(execute, sql, params, many, context):
    """A database execute wrapper, installed by `pghistory.context` while a context is open."""
    connection, cursor = context["connection"], context["cursor"]
    tracker = getattr(pghistory_runtime._tracker, "value", None)
    if (
        tracker is None
        or connection.vendor != "postgresql"
        or not _is_write(sql)
        or not pghistory_runtime._can_inject_variable(cursor, sql)
    ):
        return execute(sql, params, many, context)
    metadata = json.dumps(tracker.metadata, cls=pghistory_config.json_encoder())
    own_transaction = (
        transaction.atomic(using=connection.alias)
        if connection.get_autocommit()
        else contextlib.nullcontext()
    )
    with own_transaction:
        # Through Django's cursor, so that query counts and logs show it; being a SELECT, it
        # passes through this wrapper untouched.
        cursor.execute(SET_CONTEXT_SQL, [str(tracker.id), metadata])
        return execute(sql, params, many, context)


def _is_write(sql) -> bool:
    sql = sql.decode() if isinstance(sql, bytes) else sql
    return sql.lstrip()[:6].lower().startswith(WRITES)


def define_trigger_ignore_list(sender, connection, **kwargs) -> None:
    """Give each new PostgreSQL connection an empty `pgtrigger.ignore` list.

    Every pgtrigger trigger first reads that setting inside a PL/pgSQL EXCEPTION block, and an
    undefined setting raises there: one caught error per row, which makes a statement that writes
    many rows slow, and worse than in proportion (20,000 answers in one INSERT: 16 s instead of
    0.9 s; `seed_demo` and the benchmarks write hundreds of thousands). Only the session can
    define it: PostgreSQL lets no one but a superuser set it for the database.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET pgtrigger.ignore = '{}'")


def install() -> None:
    """Use `history_context_wrapper` wherever `pghistory.context` is entered, and define
    pgtrigger's ignore list on every new connection (AppConfig.ready)."""
    pghistory_runtime._inject_history_context = history_context_wrapper
    connection_created.connect(define_trigger_ignore_list, dispatch_uid="pgtrigger_ignore_list")


class FieldChange(pghistory.UpdateEvent):
    """An event when one field changes, keeping its value before (`from_<field>`) and after.

    The event model needs a `from_<field>` column of the field's type (track(attrs=...)).
    """

    def __init__(self, label: str, *, field: str):
        super().__init__(label, condition=pghistory.AnyChange(field), row=pghistory.New)
        self.field = field

    def add_event_trigger(self, event_model):
        trigger = _FieldChangeTrigger(
            event_model=event_model,
            label=self.label,
            name=self.trigger_name,
            row=self.row,
            operation=self.operation,
            condition=self.condition,
            level=self.level,
        )
        trigger.field = self.field
        pgtrigger.register(trigger)(event_model.pgh_tracked_model)


class _FieldChangeTrigger(EventTrigger):
    field: str

    def get_func(self, model):
        """pghistory's INSERT of the new row, with the old value of the field added."""
        func = super().get_func(model)
        column = model._meta.get_field(self.field).column
        before, values = func.func.split(") VALUES (", 1)
        values, after = values.split(");", 1)
        func.func = f'{before}, "from_{column}") VALUES ({values}, OLD."{column}");{after}'
        return func
