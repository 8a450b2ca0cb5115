"""Models of Reports."""
