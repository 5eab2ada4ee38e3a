"""Single-process GRPO engine (CPU or one GPU), tiny model/tokenizer factory and synthetic task."""
