"""jakreg: a nightly multicenter registry of JAK-inhibitor courses, failures and what follows."""

__version__ = "0.1.0"
