"""Test support code: fakes and helpers shared by tests and benchmarks."""
