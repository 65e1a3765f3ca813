"""Webhook receivers (ASGI): Alertmanager notifications into the alert pipeline."""
