"""Models of Licensing."""
