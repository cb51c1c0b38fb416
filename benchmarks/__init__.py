"""`make bench`: the pipeline's cost per stage at 10k, 100k and 1M patients, against the floor."""
