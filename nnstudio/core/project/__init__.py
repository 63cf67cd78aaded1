"""Project files: one safe, versioned, self-describing zip per project."""

from nnstudio.core.project.migrations import CURRENT_VERSION
from nnstudio.core.project.project_file import (
    SUFFIX,
    Project,
    document_to_project,
    load_project,
    save_project,
    schema,
)

__all__ = [
    "CURRENT_VERSION",
    "SUFFIX",
    "Project",
    "document_to_project",
    "load_project",
    "save_project",
    "schema",
]
