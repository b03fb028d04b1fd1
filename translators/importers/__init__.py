"""Importers: compose files, Kubernetes manifests and Nomad jobs -> a crossdock app spec, with a loss report."""
