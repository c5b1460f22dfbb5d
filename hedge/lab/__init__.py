"""The strategy lab: the real strategy against the market model, in virtual time."""
