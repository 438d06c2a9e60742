"""What both benchmarks use: a scratch database of their own, and a timer of each SQL query."""

import time


class QueryLog:
    """Every query of the default connection with its own wall time (execute_wrapper)."""

    def __init__(self):
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql))

    @property
    def seconds(self) -> float:
        return sum(seconds for seconds, _ in self.queries)


def drop_database(args, *, create_again: bool = False) -> None:
    """Drop the benchmark's database `args.db` on the server `args.pg` (and create it again)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as connection:
        name = sql.Identifier(args.db)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create_again:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
