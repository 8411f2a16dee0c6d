"""The people directory: name and tag indexing, search with facets, profile photos."""
