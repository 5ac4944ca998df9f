"""The emulated Prime Intellect compute API (pods, disks, availability)."""
