"""Replication kits for a class: kits an instructor hands out, power, pooling and a verdict (issue 15)."""
