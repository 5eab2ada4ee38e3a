"""Training-data generation for LongRLVR.

The grounded-QA pipeline (chunk → embed → cluster → generate_qa → judge_qa → answer → judge_answers → select →
assemble → export, see ``longrlvr data run``) and the hard-data builders (KeyChain, ContextRL, NIAH, curriculum).
Every per-record stage runs on :mod:`longrlvr.data_gen.runner`.
"""
