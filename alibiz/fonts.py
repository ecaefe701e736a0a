"""Fonts for the charts' text: DejaVu Sans, then an installed font for what it cannot draw.

DejaVu Sans has no Chinese, Japanese or Korean characters (Alibaba's segment
names are often written in Chinese, e.g. 淘天集团) and no emoji. matplotlib
draws each character with the first font of a text's family list that has it,
so :func:`check` gives each text of a chart that DejaVu Sans cannot draw whole
the installed fonts of :data:`FALLBACKS` after DejaVu Sans (Noto Sans CJK,
Source Han Sans, WenQuanYi, ...; Noto Emoji or Symbola for emoji). Every other
text keeps DejaVu Sans alone, so a chart without such text is the same file
whatever fonts are installed.

When no installed font has a character, :func:`check` warns once
(:class:`MissingGlyphs`), naming the characters and how to install a font,
instead of leaving matplotlib to draw boxes with a warning per glyph.

>>> import matplotlib.pyplot as plt
>>> figure, ax = plt.subplots()
>>> title = ax.set_title("AIDC revenue", family="DejaVu Sans")
>>> check(figure), title.get_fontfamily()  # DejaVu Sans draws all of it: left alone
('', ['DejaVu Sans'])
>>> plt.close(figure)
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache

from matplotlib import font_manager, ft2font
from matplotlib.text import Text

# In order of preference: Chinese first (simplified, as Alibaba writes its names), then the
# other CJK fonts, then monochrome emoji fonts (colour emoji fonts are bitmaps matplotlib cannot draw).
FALLBACKS = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP", "Noto Sans CJK KR",
    "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans TC", "Source Han Sans", "Noto Sans SC",
    "Noto Sans TC", "Noto Sans JP", "Noto Sans KR", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Arial Unicode MS",
    "Noto Emoji", "Symbola", "Segoe UI Symbol",
)  # fmt: skip
PRIMARY = ("DejaVu Sans", "DejaVu Sans Mono")  # the fonts alibiz's charts are drawn in


class MissingGlyphs(UserWarning):
    """No installed font can draw some characters of a chart; ``characters`` holds them."""

    def __init__(self, characters: str):
        self.characters = characters
        super().__init__(advice(characters))


def fallbacks() -> list[str]:
    """The installed fonts of :data:`FALLBACKS`, in order, one face per font file
    (Noto Sans CJK's file holds SC, TC, HK, JP and KR faces with the same characters)."""
    installed = {}
    for entry in font_manager.fontManager.ttflist:
        installed.setdefault(entry.name, entry.fname)
    chosen, files = [], set()
    for name in FALLBACKS:
        if name in installed and installed[name] not in files:
            chosen.append(name)
            files.add(installed[name])
    return chosen


def check(figure) -> str:
    """Give the figure's texts that DejaVu Sans cannot draw the installed fallback fonts, and
    warn once about characters none of them has; returns those characters ('' when none).

    A font installed after matplotlib built its list of fonts is looked for
    first (once per process): matplotlib reads its cached list and does not look again.
    """
    missing = _fit(figure)
    if missing and _added_new_fonts():
        missing = _fit(figure)
    if missing:
        warnings.warn(MissingGlyphs(missing), stacklevel=3)
    return missing


def _fit(figure) -> str:
    chain = fallbacks()
    missing = {}
    for text in figure.findobj(Text):
        content = text.get_text()
        primary = text.get_fontfamily()[0]
        if content.isascii() or primary not in PRIMARY:
            continue
        lacking = _undrawable(content, [primary])
        if lacking:
            text.set_fontfamily([primary, *chain])
            missing.update(dict.fromkeys(_undrawable(lacking, chain)))
    return "".join(missing)


def _undrawable(text: str, families: list[str]) -> str:
    """The characters of ``text`` that none of ``families`` has, each once, in order."""
    fonts = [face for face in map(_face, families) if face is not None]
    found = {}
    for c in text:
        if c.isascii() or c.isspace() or not c.isprintable() or c in found:
            continue
        if not any(ord(c) in _charmap(*face) for face in fonts):
            found[c] = None
    return "".join(found)


def advice(characters: str) -> str:
    """What to tell a user whose text has ``characters`` that no installed font can draw.

    >>> advice("淘").split(":")[0]
    'no installed font can draw 淘 (U+6DD8)'
    """
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in characters[:8]) + (f" and {len(characters) - 8} more" if len(characters) > 8 else "")
    fonts = []
    if any(_is_cjk(c) for c in characters):
        fonts.append("Noto Sans CJK (Debian and Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install "
                     "google-noto-sans-cjk-fonts; macOS: brew install --cask font-noto-sans-cjk)")  # fmt: skip
    if not all(_is_cjk(c) for c in characters):
        fonts.append("Symbola or Noto Emoji for emoji and symbols (Debian and Ubuntu: apt-get install fonts-symbola)")
    return (f"no installed font can draw {shown}: the charts show boxes in their place. Install a font that has "
            f"them, e.g. {' or '.join(fonts)}; alibiz uses it from the next run.")  # fmt: skip


def _is_cjk(c: str) -> bool:
    code = ord(c)
    return (0x2E80 <= code <= 0x9FFF or 0xA960 <= code <= 0xA97F or 0xAC00 <= code <= 0xD7FF
            or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFFEF
            or 0x20000 <= code <= 0x3FFFF)  # fmt: skip


def _face(name: str) -> tuple[str, int] | None:
    """The file and face index matplotlib draws family ``name`` from, if installed."""
    for entry in font_manager.fontManager.ttflist:
        if entry.name == name:
            return entry.fname, getattr(entry, "index", 0)  # the face in a collection (matplotlib >= 3.10)
    return None


@lru_cache(maxsize=None)
def _charmap(path: str, index: int) -> frozenset[int]:
    font = ft2font.FT2Font(path, face_index=index) if index else ft2font.FT2Font(path)
    return frozenset(font.get_charmap())


_looked_for_new_fonts = False


def _added_new_fonts() -> bool:
    """Add to matplotlib's font manager the fallback fonts installed since it built its list
    (it reads its cached list and does not look again); whether there were any. Once per process."""
    global _looked_for_new_fonts
    if _looked_for_new_fonts:
        return False
    _looked_for_new_fonts = True
    known = {os.path.realpath(entry.fname) for entry in font_manager.fontManager.ttflist}
    added = False
    for path in sorted(font_manager.findSystemFonts()):
        if os.path.realpath(path) in known:
            continue
        try:
            names = _family_names(path)
        except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
            continue
        if names & set(FALLBACKS):
            font_manager.fontManager.addfont(path)
            added = True
    return added


def _family_names(path: str) -> set[str]:
    first = ft2font.FT2Font(path)
    faces = range(1, getattr(first, "num_faces", 1))  # a collection's other faces (matplotlib >= 3.10)
    return {first.family_name} | {ft2font.FT2Font(path, face_index=i).family_name for i in faces}
