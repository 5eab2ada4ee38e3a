"""Test utilities shared by the project's tests and benchmarks (loopback servers, no network)."""
