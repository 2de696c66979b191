"""Does a district's text read as the language its tag says?

A foreword in Spanish without ``foreword.lang: es`` is read aloud by screen readers with an
English voice and hyphenated with English patterns; one tagged ``es`` but written in English is
read with a Spanish voice. ``language_notices`` says so as a notice (a warning, never a failure),
the way the colour notices do (portrait.inputs.district.make_edition), so the ``district`` and
``check`` commands and the studio all show it.

The detector is py3langid (BSD-3-Clause; a maintained fork of langid.py): a naive Bayes model
over byte n-grams that ships inside the wheel (4.5 MB installed, numpy its only dependency), so it
reads nothing from the network and gives the same answer for the same text every time. Loading its
model takes about half a second, so it is loaded only when a district writes enough text to judge,
once per process. Texts shorter than ``MIN_WORDS`` words are not judged: on a line or two the
detector guesses.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# Fewer words than this: no verdict (a cover line, a title, "¡Bienvenidos!").
MIN_WORDS = 12
# Below this confidence (the detector's probability, 0 to 1) the text may be in either language.
MIN_CONFIDENCE = 0.9
# The Portrait's own language: the language of a text that has no tag of its own.
DOCUMENT_LANGUAGE = "en"

# Names for the languages a district is likeliest to write; other codes are shown as they are.
NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "hi": "Hindi",
    "ht": "Haitian Creole",
    "it": "Italian",
    "ja": "Japanese",
    "km": "Khmer",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "so": "Somali",
    "tl": "Tagalog",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

_URL = re.compile(r"(?:https?://|mailto:)\S+|\S+@\S+\.\S+")
_MARKUP = re.compile(r"[*_`#>\[\]()|~]+")
_WORD = re.compile(r"\w+")


def name(code: str) -> str:
    return NAMES.get(code, code)


def plain(markdown: str) -> str:
    """The words of a Markdown text: addresses and markup characters taken out."""
    return _MARKUP.sub(" ", _URL.sub(" ", markdown))


def detect(text: str) -> tuple[str, float] | None:
    """The language of ``text`` (an ISO 639-1 code) and the detector's confidence, or None when
    the text is too short to judge."""
    words = plain(text)
    if len(_WORD.findall(words)) < MIN_WORDS:
        return None
    code, confidence = _identifier().classify(words)
    return str(code), float(confidence)


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_notices(source: str, key: str, text: str, tag: str | None, tag_key: str | None) -> list[str]:
    """A notice when ``text`` (at ``key`` in ``source``) reads as another language than ``tag``
    (at ``tag_key``), or than the Portrait's language when it has no tag. ``tag_key`` None: the
    text cannot have a tag of its own (a cover line), so it must be in the Portrait's language."""
    found = detect(text)
    if found is None:
        return []
    code, confidence = found
    expected = (tag or DOCUMENT_LANGUAGE).split("-")[0].lower()
    if code == expected or confidence < MIN_CONFIDENCE or expected not in _identifier().labels:
        return []  # the same language, a guess, or a language the detector does not know
    reads = f"{source}: {key} reads as {name(code)} ({code}, confidence {confidence:.2f})"
    if tag_key is None:
        return [
            f"{reads}, but it is announced as {name(expected)}, the Portrait's language (only the foreword "
            f"can have a language of its own): write it in {name(expected)}, or move it to the foreword"
        ]
    if tag is None:
        return [
            f"{reads}, but {tag_key} is not set, so it is announced as {name(expected)}: "
            f"if it is {name(code)}, set `{tag_key}: {code}`; otherwise check the text"
        ]
    return [
        f"{reads}, not as its tag `{tag_key}: {tag}` ({name(expected)}): "
        f"if it is {name(code)}, set `{tag_key}: {code}`; otherwise fix the tag or the text"
    ]
