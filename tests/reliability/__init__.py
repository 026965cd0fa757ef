"""Reliability and security suite: faults, cancellation, load, hostile input, secrets."""
