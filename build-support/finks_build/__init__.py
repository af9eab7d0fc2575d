"""Repo-wide build support: the launcher's tests and CI helpers."""
