"""conventions/usid."""
