"""The official `kubernetes` client, imported in one place: ``kubernetes.client`` (ApiClient,
Configuration, its exceptions) and ``kubernetes.config`` (kubeconfig and in-cluster settings)."""

from __future__ import annotations

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException, OpenApiException
from kubernetes.config.config_exception import ConfigException

__all__ = ["ApiException", "ConfigException", "OpenApiException", "client", "config"]
