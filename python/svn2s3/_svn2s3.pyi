"""The extension module: the library's commands, run with the GIL released."""

from typing import Callable, List, Optional, Tuple

__version__: str

class NativeError(Exception):
    """args: (kind, exit status, message, report as JSON or None)."""

def run(
    command: str,
    tree: str,
    *,
    config: Optional[str] = ...,
    target: Optional[str] = ...,
    flags: List[Tuple[str, str]] = ...,
    settings: List[Tuple[str, str]] = ...,
    progress: Optional[Callable[[str], object]] = ...,
) -> Tuple[str, str]: ...
