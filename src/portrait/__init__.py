"""portrait: builds KnowledgeWorks' *Portrait of a Leader* from content, templates and brand assets.

The pipeline passes plain data from stage to stage::

    content/*.yaml ──load──▶ models ──templates──▶ HTML ──WeasyPrint──▶ PDF bytes ──checks──▶ file
"""

from portrait.errors import BuildError, InputError, PortraitError, Problem
from portrait.project import Project

__all__ = ["BuildError", "InputError", "PortraitError", "Problem", "Project"]
