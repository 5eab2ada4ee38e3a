"""LongRLVR: long-context RL with verifiable context rewards."""

__version__ = "0.1.0"
