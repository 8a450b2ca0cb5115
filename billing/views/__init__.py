"""Pages of Communications Credits."""
