"""The people directory: name and tag indexing, search with facets, profile photos."""

from physnet.people import index  # noqa: F401  (registers the session hook)
