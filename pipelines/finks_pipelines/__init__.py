"""finks_pipelines: Prefect flows, per-environment deployments, and the local platform.

Flows (named per environment through finks_config): `ingest-fmp-{env}`,
`transform-{env}`, `medallion-{env}` (finks_pipelines.flows). Deploy with
`./pants run pipelines:deploy -- --env ENV` (finks_pipelines.deploy); `--env local`
starts the embedded stack and runs the whole pipeline once. See pipelines/README.md.
"""
