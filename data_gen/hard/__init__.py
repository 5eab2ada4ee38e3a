"""Harder grounding data: KeyChain, ContextRL, NIAH, the length curriculum, the difficulty filter, multi-hop loaders."""
