"""Extraction: one reader per export dialect into DuckDB raw tables, then the staging models."""
