"""Thin views: access checks here (results/access.py), reading in selectors, files in builders."""
