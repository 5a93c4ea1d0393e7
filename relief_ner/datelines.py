"""Datelines (`人民网贺州10月31日电`, `本报7月3日讯`): where a report says it was filed, and when.

One home for the pattern: the place resolver reads the dateline's place (an anchor for the
document's other places), the records store its month and day (the publication date).
"""

from __future__ import annotations

import re

from .schema import HAN

# A day or month number as datelines write it: Arabic, or Chinese up to 三十一.
NUMBER = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"

# Outlet, place, optional date, 电/讯 (`人民网贺州10月31日电`, `中新网兰州讯`).
DATELINE_PLACE = re.compile(
    r"(?:新华社|中新社|中新网|人民网|新华网|央视网|本报|本网|[" + HAN + r"]{1,8}?(?:网|社|报|台|客户端))"
    rf"(?P<place>[{HAN}]{{2,12}}?)(?:{NUMBER}月{NUMBER}日)?(?:电|讯)"
)

# Optional year, month and day, 电/讯/消息; `…日电商平台` is not a dateline: words that start
# with 电 or 讯 are excluded.
DATELINE_DATE = re.compile(
    rf"(?:(?P<y>(?:19|20)\d\d)年)?(?P<m>{NUMBER})月(?P<d>{NUMBER})日(?:电|讯|消息)"
    r"(?![商视网力影话脑子器梯站费价量池动线源气信台报厂缆路磁机压流灯表竞息])"
)
