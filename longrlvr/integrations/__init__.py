"""Adapters to other frameworks: ``verl/`` (upstream verl 0.9.1: reward manager, trainer, config, launch, door,
and ``verl/rehearsal/`` for the CPU rehearsal) and ``trl.py`` (TRL's ``GRPOTrainer``).

Modules are imported explicitly (``longrlvr.integrations.verl.reward`` etc.) so that importing this
package stays cheap and never pulls in Ray, verl or TRL by itself.
"""
