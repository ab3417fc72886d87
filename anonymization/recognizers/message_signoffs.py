"""Who writes a message, as messages say it: "thx deb", "Thanks, Jess!", "merci gaëtan" at
the end of a line, "hi dr patel this is deb, yvette's daughter", "it's jess from the ward".

The word is a name when it is a short informal name (`person_words.is_informal_name`):
"thanks all", "cheers again", "this is urgent, please call" are no signature.
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.recognizers.person_words import is_informal_name

_NAME: Final = r"(?P<value>[A-Za-zÀ-Þ][a-zß-ÿ'’-]{1,15})"
_SIGNED_AFTER_THANKS: Final = re.compile(
    r"(?<![\w'’-])(?i:thx|thanks|thank[ \t]+you|ty|cheers|regards|love|many[ \t]+thanks"
    r"|merci|mci|bises|bisous|cdlt|cordialement|amiti[ée]s)"
    rf"[ \t]*[,!.]?[ \t]+{_NAME}[ \t]*[.!x]*[ \t]*$",
    re.MULTILINE,
)
_INTRODUCED: Final = re.compile(
    rf"(?<![\w'’-])(?i:this[ \t]+is|it['’]?s)[ \t]+{_NAME}"
    r"(?=[ \t]*,|[ \t]+(?i:here|from|the|his|her|your|their)\b)"
)


def message_signoffs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each name a message is signed or introduced with."""
    found = []
    for pattern in (_SIGNED_AFTER_THANKS, _INTRODUCED):
        for match in pattern.finditer(text):
            if is_informal_name(match.group("value")):
                found.append(match.span("value"))
    return found
