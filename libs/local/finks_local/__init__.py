"""finks_local: the embedded stack (moto, Prefect, the local FMP server) on loopback.

A real library, not test code: the local platform (`pipelines:deploy -- --env local`),
the release rehearsal and the test fixtures (finks_testing) all start their servers
through it. No other production package imports it.

    from finks_local.processes import ProcessRegistry
    from finks_local.moto import start_moto
    from finks_local.prefect import start_prefect_server

Every server binds loopback (a free port unless one is given) and runs as a child in
its own process group that dies with its starter (see `processes`).
"""
