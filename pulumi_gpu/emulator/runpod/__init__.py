"""The emulated RunPod REST v2 API."""
