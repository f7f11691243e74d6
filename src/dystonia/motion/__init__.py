"""Motion analysis of wearable inertial recordings (filled in by the motion work)."""

from dystonia.motion.recording import Recording

__all__ = ["Recording"]
