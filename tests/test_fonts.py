"""Text DejaVu Sans cannot draw (CJK, emoji): an installed font draws it, or one warning says how to get one.

Three font setups, each in fresh processes with its own matplotlib font list
(``MPLCONFIGDIR``): the machine's fonts; none but matplotlib's own
(``MPL_IGNORE_SYSTEM_FONTS``, so that no CJK font can be seen, by the report's
helper processes either); and a font list made before the CJK font was
installed. CI installs Noto Sans CJK (``.ci/run``); elsewhere the tests that
need it are skipped when it is missing.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import alibiz  # noqa: E402
from alibiz import fonts  # noqa: E402
from conftest import HEADER, ROWS  # noqa: E402

ALIBIZ = Path(sys.executable).parent / "alibiz"
FIXTURES = Path(__file__).parent / "fixtures"
AIDC_IN_CHINESE = "阿里国际数字商业集团"  # Alibaba International Digital Commerce Group


def env(tmp_path, name, *, system_fonts=True):
    """The environment of a process with a font list of its own: the system's fonts, or none of them."""
    config = tmp_path / name
    config.mkdir(exist_ok=True)
    variables = {k: v for k, v in os.environ.items() if k != "MPL_IGNORE_SYSTEM_FONTS"} | {"MPLCONFIGDIR": str(config)}
    return variables if system_fonts else variables | {"MPL_IGNORE_SYSTEM_FONTS": "1"}


def run(*args, cwd, env):
    return subprocess.run([ALIBIZ, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def fallbacks_seen(env) -> list[str]:
    code = "from alibiz import fonts; fonts._added_new_fonts(); print(';'.join(fonts.fallbacks()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return [name for name in out.stdout.strip().split(";") if name]


@pytest.fixture(scope="module")
def cjk_font():
    """The installed CJK font's name; skipped without one, except under CI, which installs it."""
    fonts._added_new_fonts()
    found = [name for name in fonts.fallbacks() if "CJK" in name or "Han" in name or "WenQuanYi" in name]
    if not found:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail("no CJK font is installed: CI must install one (apt-get install fonts-noto-cjk, see .ci/run)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    return found[0]


@pytest.fixture
def chinese_label(tmp_path):
    """A metrics file whose AIDC figures were published under its Chinese name, with an emoji."""
    path = tmp_path / "metrics.csv"
    rows = [row.replace("Alibaba International Digital Commerce Group", f"{AIDC_IN_CHINESE} 🌏") for row in ROWS]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_cjk_text_is_drawn_with_the_installed_font(cjk_font, chinese_label, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = alibiz.plot_metric("aidc", "revenue", metrics=alibiz.load_metrics(chinese_label), events=None)
        ax.figure.savefig(tmp_path / "chart.svg")  # glyphs as paths, named after their font
    missing = "".join(w.message.characters for w in caught if isinstance(w.message, fonts.MissingGlyphs))
    assert not set(AIDC_IN_CHINESE) & set(missing)
    assert not [w for w in caught if "missing from font" in str(w.message) and set(AIDC_IN_CHINESE) & set(str(w.message))]
    (title,) = [t for t in ax.figure.findobj(matplotlib.text.Text) if t.get_text().startswith(AIDC_IN_CHINESE)]
    assert title.get_fontfamily()[:2] == ["DejaVu Sans", cjk_font]
    svg = (tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert "NotoSansCJK" in svg or "SourceHan" in svg or "WenQuanYi" in svg, "the Chinese glyphs were not drawn from the CJK font"
    plt.close(ax.figure)


def test_text_dejavu_sans_draws_keeps_dejavu_sans_alone():
    ax = alibiz.plot_metric("aidc", "revenue_yoy", events=None)
    assert {tuple(t.get_fontfamily()) for t in ax.figure.findobj(matplotlib.text.Text)} <= {("DejaVu Sans",), ("DejaVu Sans Mono",)}
    plt.close(ax.figure)


def test_without_any_font_one_warning_names_the_characters(monkeypatch, chinese_label):
    monkeypatch.setattr(fonts, "fallbacks", lambda: [])
    monkeypatch.setattr(fonts, "_added_new_fonts", lambda: False)
    with pytest.warns(fonts.MissingGlyphs) as caught:
        ax = alibiz.plot_metric("aidc", "revenue", metrics=alibiz.load_metrics(chinese_label), events=None)
    assert len(caught) == 1
    assert caught[0].message.characters == AIDC_IN_CHINESE + "🌏"
    message = str(caught[0].message)
    assert message.startswith("no installed font can draw 阿 (U+963F), 里 (U+91CC), 国 (U+56FD)")
    assert "and 3 more" in message and "apt-get install fonts-noto-cjk" in message and "fonts-symbola" in message
    plt.close(ax.figure)


def test_the_report_without_a_cjk_font_warns_once_on_one_line(tmp_path, chinese_label):
    """The charts are drawn in two processes: still one warning, and none of matplotlib's own per glyph."""
    no_fonts = env(tmp_path, "no-fonts", system_fonts=False)
    assert fallbacks_seen(no_fonts) == [], "MPL_IGNORE_SYSTEM_FONTS did not hide the system's fonts"
    result = run("report", "--out", "r", "--metrics", chinese_label, "--jobs", "2", cwd=tmp_path, env=no_fonts)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("alibiz report: no installed font can draw 阿 (U+963F), 里 (U+91CC)")
    assert "apt-get install fonts-noto-cjk" in lines[0]
    assert (tmp_path / "r" / "aidc_revenue.png").is_file()


def test_a_font_installed_after_matplotlib_listed_the_fonts_is_found(cjk_font, tmp_path, chinese_label):
    """matplotlib reads its cached font list and never looks again: alibiz looks when a character is missing."""
    before = env(tmp_path, "listed-before", system_fonts=False)
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=before, check=True)  # the list, without it
    after = env(tmp_path, "listed-before")  # the same list, the system's fonts no longer hidden
    result = run("report", "--out", "r", "--metrics", chinese_label, "--format", "svg", cwd=tmp_path, env=after)
    assert result.returncode == 0, result.stderr
    assert AIDC_IN_CHINESE[0] not in result.stderr
    svg = (tmp_path / "r" / "aidc_revenue.svg").read_text(encoding="utf-8")
    assert "NotoSansCJK" in svg or "SourceHan" in svg or "WenQuanYi" in svg


def test_charts_without_such_text_are_the_same_files_whatever_fonts_are_installed(cjk_font, tmp_path):
    paths = ["--metrics", FIXTURES / "metrics.csv", "--events", FIXTURES / "events.csv"]
    for name, environment in [("with", env(tmp_path, "with-fonts")), ("without", env(tmp_path, "without-fonts", system_fonts=False))]:
        result = run("report", "--out", name, *paths, cwd=tmp_path, env=environment)
        assert result.returncode == 0 and result.stderr == "", result.stderr
    assert cjk_font in fallbacks_seen(env(tmp_path, "with-fonts"))
    for path in (tmp_path / "with").iterdir():
        assert path.read_bytes() == (tmp_path / "without" / path.name).read_bytes(), path.name
