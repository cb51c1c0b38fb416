"""Analysis of the published marts: survival estimates and the tables people read."""
