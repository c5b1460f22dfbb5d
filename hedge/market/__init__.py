"""The market model: a seeded, pure, synchronous market the local venues and the lab step."""
