"""Post-deploy checks: staging integration + performance, prod smoke (`pipelines:check`).

Modules: ``cli`` (the command), ``staging`` and ``smoke`` (the two checks), ``perf``
(stage times against the ledger's baseline), ``freshness`` (gold vs the schedule),
``records`` (what a medallion run publishes), ``outcome`` (findings and tables),
``settings`` (the CHECK_* keys). Importing the package imports none of them.
"""
