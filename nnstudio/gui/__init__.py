"""The desktop app: presents and edits the Qt-free core. Nothing in ``core`` imports this."""
