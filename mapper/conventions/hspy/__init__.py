"""conventions/hspy."""
