"""What goes wrong in an import, said so that an author can fix the package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    """One reason a package was refused: a stable code, a translated message, the file at fault."""

    code: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PackageImportError(Exception):
    """The package was refused; nothing of it was kept."""

    def __init__(self, problems: list[ImportProblem] | ImportProblem):
        self.problems = [problems] if isinstance(problems, ImportProblem) else list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]


def refuse(code: str, message: str, path: str = "") -> PackageImportError:
    """The exception for one problem (raise it)."""
    return PackageImportError(ImportProblem(code, message, path))
