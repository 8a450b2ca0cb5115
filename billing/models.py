"""Models of Communications Credits."""
