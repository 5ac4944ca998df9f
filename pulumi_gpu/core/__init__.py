"""The small shared core every cloud builds on; it knows no cloud."""
