"""Adapters to upstream verl 0.9.1: the only package that imports verl trainer and reward classes.

Modules are imported explicitly (``longrlvr.integrations.verl_reward`` etc.) so that importing this
package stays cheap and never pulls in Ray or verl by itself.
"""
