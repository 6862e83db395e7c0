"""Proving who you are to a medium level (P5): a trace in the demographics service."""
