"""cmi5 launch, sessions and moveOn satisfaction (see docs/cmi5.md)."""
