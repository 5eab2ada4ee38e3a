"""The verl 0.9.1 integration: the only package that imports verl trainer and reward classes."""
