"""Pulumi CLI entry point (``pulumi up -s dev`` in infrastructure/): see finks_infra.program."""

from finks_infra.program import run_in_engine

run_in_engine()
