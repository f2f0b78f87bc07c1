"""Benchmarks, each printing ratios measured side by side in one run."""
