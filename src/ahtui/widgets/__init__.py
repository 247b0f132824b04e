"""Reusable widgets for the app's screens."""
