"""The official `kubernetes` client, imported in one place: ``kubernetes.client`` (ApiClient,
Configuration, its exceptions), ``kubernetes.config`` (kubeconfig and in-cluster settings) and
``kubernetes.watch`` (reading a watch's event stream)."""

from __future__ import annotations

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException, OpenApiException
from kubernetes.config.config_exception import ConfigException

__all__ = ["ApiException", "ConfigException", "OpenApiException", "client", "config", "watch"]
