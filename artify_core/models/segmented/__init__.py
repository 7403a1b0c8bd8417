"""Foreground and background stylized independently and composited (see ``model``)."""
