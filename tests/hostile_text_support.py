"""A real plan with hostile text in it, and a check that markdown carries none of it as live markup.

The plan is the head of the bundled Tam Đường plan (number, date, title, goals table with its agency
column) and its appendix of assignments, with HTML, markdown links and images, an autolink, bare URLs,
an e-mail address, a reference link, an entity and LaTeX written into the title, a heading, a task row,
agency cells and a score row. Every URL points at 203.0.113.5 (TEST-NET-3, RFC 5737: never routed), so a
browser that tried to fetch one is seen trying, and nothing leaves the machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from ui_support import PLANS

HOST = "203.0.113.5"
URL = f"http://{HOST}"
SOURCE = PLANS / "004_a64bfd6d5e1b256c.txt"
HOSTILE_LEAD = f"Phòng Tư pháp <img src=//{HOST}/lead.png> huyện"  # read whole as the lead agency of a row
TASK = (
    f"![ảnh]({URL}/md.png) <{URL}/auto> xem {URL}/bare, www.example.test, lienhe@example.test, "
    f"&lt;img src={URL}/ent.png&gt; [tham khảo][r] $$\\href{{{URL}/tex}}{{x}}$$"
)
_INJECTED = {  # what the plan says → what the hostile plan says instead
    "trên địa bàn huyện năm 2024\n": f'trên địa bàn huyện năm 2024 <img src="{URL}/title.png">\n',
    "2. Mục tiêu các chỉ số thành phần": f"2. Mục tiêu các chỉ số thành phần [mục tiêu]({URL}/heading)",
    "Cải cách thể chế\t100%": f'Cải cách thể chế <a href="{URL}/score">xem</a>\t100%',
    "cải cách thể chế\tPhòng Tư pháp\tCác phòng, ban chuyên môn liên quan": (
        f"cải cách thể chế {TASK}\t{HOSTILE_LEAD}\t[UBND các xã]({URL}/coop), thị trấn; "
        f"Phòng Nội vụ <a href=//{HOST}/coop>xem</a>"
    ),
}


def hostile_plan(dest: Path) -> Path:
    """Write the hostile plan as ``dest`` (a .txt file); returns ``dest``."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    appendix = next(i for i, line in enumerate(lines) if line.startswith("PHỤ LỤC"))
    text = "\n".join([*lines[:42], "", *lines[appendix : appendix + 8]]) + f"\n\n[r]: {URL}/ref.png\n"
    for plain, hostile in _INJECTED.items():
        assert plain in text, plain
        text = text.replace(plain, hostile, 1)
    dest.write_text(text, encoding="utf-8")
    return dest


_RENDER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# what GitHub-flavoured markdown (the chat's renderer) links without any markup: an unbroken scheme, "www.",
# an e-mail address; an escaped character ("https\://", "www\.", "a\@b") breaks each
_BARE_LINK = re.compile(r"(?<![\\\w])(?:https?|ftp)://|(?<![\\\w])www\.|[\w.+-]+@[\w-]+\.\w", re.I)


_OWN_LINK = re.compile(r'<a href="#pq-src-\d+-\d+">')


def live_markup(markdown: str) -> list[str]:
    """What in ``markdown`` a renderer would turn into a tag, a link or an image that points off the page."""
    html = _RENDER.render(markdown)
    found = re.findall(r"<(?:a|img)\b[^>]*>", html, flags=re.I)
    found = [tag for tag in found if not _OWN_LINK.fullmatch(tag)]  # the answer's [n] → its source card
    found += [m.group(0) for m in _BARE_LINK.finditer(markdown)]
    found += re.findall(r"(?<!\\)\$\$", markdown)  # LaTeX the chat would hand to KaTeX
    return found
