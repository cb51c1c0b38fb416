"""Prefect flows: orchestration only (which task after which, per center); no business logic."""
