"""In-process harness: the engine and its parts driven without sockets or sleeps."""
