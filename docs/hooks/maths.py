"""MkDocs hook: the pages' TeX typeset at build time, as MathJax's SVG.

`pymdownx.arithmatex` (generic mode) leaves `$$ ... $$` as `<div class="arithmatex">\\[ ...
\\]</div>` and `$ ... $` as `<span class="arithmatex">\\( ... \\)</span>`; this hook replaces
each by the SVG that MathJax draws for it (quickjax: MathJax run by QuickJS, from PyPI,
installed with the [docs] extra). The site loads no script and no font for its maths, from
itself or from anywhere else, and the formula reads the same without JavaScript. The TeX
stays in the SVG's `aria-label` for screen readers and in the page's source.
"""

from __future__ import annotations

import html
import re

DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.DOTALL)
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.DOTALL)

_renderer = None


def typeset(tex: str, display: bool) -> str:
    """`tex` as a MathJax SVG, wrapped as MathJax wraps it in a page (`mjx-container`)."""
    global _renderer
    if _renderer is None:
        from quickjax import MathJaxRenderer

        _renderer = MathJaxRenderer()
    svg = _renderer.render(tex, display=display)
    label = html.escape(tex, quote=True)
    svg = svg.replace("<svg ", f'<svg aria-label="{label}" ', 1)
    mode = "true" if display else "false"
    return f'<mjx-container class="MathJax" jax="SVG" display="{mode}">{svg}</mjx-container>'


def on_page_content(content: str, page, config, files) -> str:
    def display(match: re.Match) -> str:
        tex = html.unescape(match["tex"]).strip()
        return f'<div class="arithmatex">{typeset(tex, display=True)}</div>'

    def inline(match: re.Match) -> str:
        tex = html.unescape(match["tex"]).strip()
        return f'<span class="arithmatex">{typeset(tex, display=False)}</span>'

    return INLINE.sub(inline, DISPLAY.sub(display, content))
