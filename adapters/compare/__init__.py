"""`crossdock compare`: the same app measured on each reachable platform through the adapters."""
