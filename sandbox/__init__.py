"""A simulated Kubernetes API served on 127.0.0.1: the offline default cluster."""
