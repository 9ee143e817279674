"""The control plane's services: the logic behind the REST routes."""
