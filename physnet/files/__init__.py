"""Attachments: what a file is (magic bytes, full decode), the words in it, where bytes live.

`read_file(raw, name, settings)` checks and reads an upload without keeping anything of it:
no temp file, no log line. `store.file_store()` keeps the bytes, content-addressed.
"""

from physnet.files.reading import (
    FileTooLarge,
    ReadFile,
    UnsupportedFile,
    read_file,
    too_large,
)

__all__ = ["FileTooLarge", "ReadFile", "UnsupportedFile", "read_file", "too_large"]
