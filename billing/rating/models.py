"""Models of Rating and charging."""
