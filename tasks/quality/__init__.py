"""The data-quality gate: Great Expectations suites run in DuckDB, per center and on the marts."""

import os

# GX sends usage statistics unless told not to, and reads this when it is first imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
