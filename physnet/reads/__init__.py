"""Read models: what each screen and endpoint shows, and the JSON shapes (json.py)."""
