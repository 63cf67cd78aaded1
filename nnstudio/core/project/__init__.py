"""Project files: one safe, versioned, self-describing zip per project."""

from nnstudio.core.project.document import (
    SUFFIX,
    Project,
    document_to_project,
    load_project,
    save_project,
    schema,
)
from nnstudio.core.project.migrations import CURRENT_VERSION

__all__ = [
    "CURRENT_VERSION",
    "SUFFIX",
    "Project",
    "document_to_project",
    "load_project",
    "save_project",
    "schema",
]
