"""Protocol namespaces: each module owns its request methods, pydantic types and stream mapping."""
