"""The words a Kaldi/Vosk model can say, read from its graph without loading the model."""

import struct
from pathlib import Path
from typing import BinaryIO

_FST_MAGIC = 2125659606
_SYMBOL_TABLE_MAGIC = 2125658996
_HAS_INPUT_SYMBOLS = 0x1
_HAS_OUTPUT_SYMBOLS = 0x2


class VocabularyUnreadable(ValueError):
    """The model graph has no word list we understand."""


def read_vocabulary(*, model_dir: Path) -> frozenset[str]:
    """Return the model's words: graph/words.txt, else the symbol table inside the graph FST."""
    graph = model_dir / "graph"
    words_txt = graph / "words.txt"
    if words_txt.is_file():
        lines = words_txt.read_text(encoding="utf-8").splitlines()
        return frozenset(line.split()[0] for line in lines if line.strip())
    # Small lookahead models (like vosk-model-small-cn) ship no words.txt: the words are the
    # output symbols of Gr.fst, which is where Vosk itself reads them from.
    for name in ("Gr.fst", "HCLG.fst"):
        if (graph / name).is_file():
            with (graph / name).open("rb") as handle:
                return _fst_output_symbols(handle)
    raise VocabularyUnreadable(f"{graph} 中没有 words.txt、Gr.fst 或 HCLG.fst")


def _fst_output_symbols(handle: BinaryIO) -> frozenset[str]:
    """Parse an OpenFst binary header and return its output symbol table."""
    if _read_int32(handle) != _FST_MAGIC:
        raise VocabularyUnreadable("不是 OpenFst 二进制文件")
    _read_string(handle)  # fst type
    _read_string(handle)  # arc type
    _read_int32(handle)  # version
    flags = _read_int32(handle)
    handle.read(8 * 4)  # properties, start, number of states, number of arcs
    if not flags & _HAS_OUTPUT_SYMBOLS:
        raise VocabularyUnreadable("FST 中没有输出符号表")
    if flags & _HAS_INPUT_SYMBOLS:
        _read_symbol_table(handle)
    return frozenset(_read_symbol_table(handle))


def _read_symbol_table(handle: BinaryIO) -> list[str]:
    """Read one OpenFst SymbolTable and return its symbols."""
    if _read_int32(handle) != _SYMBOL_TABLE_MAGIC:
        raise VocabularyUnreadable("FST 符号表格式不符")
    _read_string(handle)  # table name
    handle.read(8)  # available key
    size = struct.unpack("<q", handle.read(8))[0]
    symbols = []
    for _ in range(size):
        symbols.append(_read_string(handle))
        handle.read(8)  # key
    return symbols


def _read_int32(handle: BinaryIO) -> int:
    """Read a little-endian int32."""
    raw = handle.read(4)
    if len(raw) != 4:
        raise VocabularyUnreadable("FST 文件不完整")
    return int(struct.unpack("<i", raw)[0])


def _read_string(handle: BinaryIO) -> str:
    """Read an OpenFst length-prefixed string."""
    return handle.read(_read_int32(handle)).decode("utf-8")
