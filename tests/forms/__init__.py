"""Form round trips."""
