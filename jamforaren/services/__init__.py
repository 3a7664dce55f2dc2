"""Domain operations shared by views, the CLI and the API."""
