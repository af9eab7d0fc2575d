"""`python -m finks_local.fmp`: run the local FMP server standalone."""

from finks_local.fmp.server import main

raise SystemExit(main())
