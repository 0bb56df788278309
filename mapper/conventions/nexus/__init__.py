"""conventions/nexus."""
