"""The load generator behind scripts/load_gen.py: an open-loop engine, its report, and the
scenarios (match, flow, api, get)."""
