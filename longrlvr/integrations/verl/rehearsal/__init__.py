"""CPU rehearsal of verl's real trainer: a CPU platform, a plugin of CPU workarounds, the scale-down (verl unedited)."""
