"""Provider clients: one module per API over the shared HTTP layer (http.py)."""
