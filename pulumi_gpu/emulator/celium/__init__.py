"""The emulated Celium (Lium) API."""
