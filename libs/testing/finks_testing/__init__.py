"""pytest fixtures over finks_local: real servers on loopback, shared per test session.

Nothing here is imported by production code; tests import the fixtures from their
conftest.py (``from finks_testing.fixtures import moto_server``). The servers
themselves live in finks_local (a real library: the local platform uses them too).
"""
