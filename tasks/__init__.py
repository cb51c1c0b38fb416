"""Tasks: each does one job and can be called without Prefect through `task.fn(...)`."""
