"""The registry's plumbing: the database helpers, the inputs digest, per-center and registry
builds, the lock, atomic files and publishing with kept versions."""
