"""conventions/generic."""
