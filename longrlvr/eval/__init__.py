"""Evaluation harness: benchmark loaders, generation backends, official scorers and reports."""
