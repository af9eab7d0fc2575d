"""`python -m finks_ingestion.local_fmp`: run the local FMP server standalone."""

from finks_ingestion.local_fmp.server import main

raise SystemExit(main())
