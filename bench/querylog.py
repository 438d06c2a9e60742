"""What the benchmarks use to time each SQL query of a piece of work in this process."""

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
