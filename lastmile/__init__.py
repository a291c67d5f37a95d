"""The `lastmile` command: runs the whole system locally under a small supervisor, and
simulates riders and drivers through the public API."""
