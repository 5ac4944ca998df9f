"""Pulumi resources for GPU clouds: Celium (Lium), RunPod, Prime Intellect and the GPU Dev API."""

__version__ = "0.1.0"
