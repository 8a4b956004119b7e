"""Question banks: the file format, the checker and the loader. Knows no Flask views."""

from .check import Bank, check_paths, discover
from .problems import BankError, Problem

__all__ = ["Bank", "BankError", "Problem", "check_paths", "discover"]
