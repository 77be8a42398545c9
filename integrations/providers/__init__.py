"""Provider clients, one package per provider (`github/`, `jira/`, `trello/`), each declaring a
`PROVIDER` (spec.py) that the registry (registry.py) finds.

Shared by every package: the interface (base.py), the records it returns (records.py), the error
family (errors.py), the HTTP layer (http.py) and the schema building blocks (schema.py).
"""
