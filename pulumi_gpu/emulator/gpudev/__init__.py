"""The emulated GPU Dev API (PyTorch gpu-dev reservations)."""
