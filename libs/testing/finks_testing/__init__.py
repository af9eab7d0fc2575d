"""Test support shared by every Finks project: real servers on loopback.

Nothing here is imported by production code; tests import the fixtures from
their conftest.py (``from finks_testing.fixtures import moto_server``).
"""
