"""The production settings without the history's context (`bench/autosave.py --without-history`,
which also drops the history triggers): what an autosave costs without the history."""

from dgaweb.settings.production import *  # noqa: F403

MIDDLEWARE = [m for m in MIDDLEWARE if m != "pghistory.middleware.HistoryMiddleware"]  # noqa: F405
