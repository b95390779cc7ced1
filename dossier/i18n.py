"""Words and dates in the profile's language: the theme's message catalogues, with fallback, and Babel (CLDR).

Every word the theme prints comes from `messages/<tag>.yaml` in the theme folders: a
user theme's file is read before the default theme's, and a tag falls back to its
parents and then to English (`fr-CA` → `fr` → `en`). A profile's `labels:` override any
word. Dates and digits come from CLDR through Babel (the direction and script of a language: scripts.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ContentError, TemplateError

BASE_LANGUAGE = "en"
MESSAGES = "messages"  # the catalogues' folder inside a theme
MAX_CATALOGUE_BYTES = 1_000_000  # a catalogue is a few kB


def fallback_chain(tag: str) -> list[str]:
    """'fr-CA' → ['fr-CA', 'fr', 'en']; 'zh-Hant-TW' → ['zh-Hant-TW', 'zh-Hant', 'zh', 'en'].

    A tag without a script, for a language written in several scripts, also tries the script
    CLDR finds likely for it before the bare language: 'zh' and 'zh-CN' → zh-Hans, 'zh-TW' → zh-Hant.
    """
    parts = tag.replace("_", "-").split("-")
    chain = ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]
    if len(parts) < 2 or len(parts[1]) != 4:  # no script subtag
        script = _likely_script(tag)
        if script:
            chain.insert(len(chain) - 1, f"{parts[0]}-{script}")
    return list(dict.fromkeys(chain + [BASE_LANGUAGE]))


@lru_cache(maxsize=64)
def _likely_script(tag: str) -> str | None:
    from babel.core import get_global

    likely = get_global("likely_subtags")
    parts = tag.replace("-", "_").split("_")
    scripts = {value.split("_")[1] for key, value in likely.items()
               if (key == parts[0] or key.startswith(parts[0] + "_")) and value.count("_") == 2}
    if len(scripts) < 2:  # written in one script: the bare language says it all
        return None
    found = likely.get("_".join(parts[:2])) or likely.get(parts[0])
    return found.split("_")[1] if found and found.count("_") == 2 else None


@dataclass(frozen=True)
class Words:
    """The theme's words in one language: `words["summary"]`, `words.format("as_of", date=…)`."""

    language: str
    entries: dict
    sources: dict  # key → the catalogue (or "labels") it came from, for messages

    def __getitem__(self, key: str):
        return self.entries[key]

    def format(self, key: str, **values) -> str:
        """The word with its placeholders ({name}, {date}, …) filled in. Only those: the text may be a
        profile's `labels:` value, so it is never a format string (no '{0}', no widths, no attributes),
        and any other brace stays as written."""
        text = str(self.entries[key])
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]) if match.group(1) in values
                                else match.group(0), text)

    def as_dict(self) -> dict:
        return dict(self.entries)


def words_for(language: str, folders: list[Path], labels: dict[str, str] | None = None) -> tuple[Words, list[str]]:
    """The words for `language` from the catalogues in `folders` (first folder wins), then `labels`.

    Returns the words and the warnings: each word with no translation in the language
    (named by key and language), and each label that names no word.
    """
    chain = fallback_chain(language)
    catalogues = [(tag, folder) for tag in reversed(chain) for folder in reversed(folders)]
    entries: dict = {}
    sources: dict = {}
    found_any = False
    for tag, folder in catalogues:  # least specific first: later ones override
        for key, value in _catalogue(folder, tag).items():
            entries[key] = value
            sources[key] = tag
        found_any = found_any or (tag != BASE_LANGUAGE and (folder / MESSAGES / f"{tag}.yaml").is_file())
    warnings: list[str] = []
    if not entries:
        raise TemplateError(f"no message catalogue {MESSAGES}/{BASE_LANGUAGE}.yaml in the theme folders "
                            f"({', '.join(map(str, folders))})")
    if language.replace("_", "-").split("-")[0].lower() != BASE_LANGUAGE:  # en-GB, en-US: English words
        if not found_any:
            warnings.append(f"no message catalogue for language {language!r} ({MESSAGES}/{chain[0]}.yaml); "
                            "the theme's words are printed in English")
        else:
            untranslated = [key for key, tag in sources.items() if tag == BASE_LANGUAGE]
            for key in untranslated:
                warnings.append(f"no {language!r} translation of the theme's word {key!r} "
                                f"({MESSAGES}/{chain[0]}.yaml or a parent); English used: {entries[key]!r}")
    for key, text in (labels or {}).items():
        if key not in entries:
            warnings.append(f"labels.{key}: the theme has no word {key!r} (known: {', '.join(sorted(entries))})")
            continue
        entries[key] = [text] if isinstance(entries[key], list) and isinstance(text, str) else text
        sources[key] = "labels"
    return Words(language, entries, sources), warnings


@lru_cache(maxsize=256)
def _read_catalogue(path: str, folder: str, mtime_ns: int) -> dict:
    from . import yamlfile

    try:
        data = yamlfile.read(path, limit=MAX_CATALOGUE_BYTES, inside=Path(folder), expected=None).data
    except ContentError as exc:
        raise TemplateError(f"{path}: cannot be read as a message catalogue: " + "; ".join(exc.problems)) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise TemplateError(f"{path}: a message catalogue is a mapping of words by key")
    for key, value in data.items():
        if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
            raise TemplateError(f"{path}: {key}: expected text (or a list of texts), got {type(value).__name__}")
    return data


def _catalogue(folder: Path, tag: str) -> dict:
    """The theme folder's catalogue for `tag`, read again only when it changed; {} if it has none."""
    path = folder / MESSAGES / f"{tag}.yaml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _read_catalogue(str(path), str(folder), mtime)


# --- CLDR: locales, dates, digits (directions and scripts: scripts.py) -----------------------------


@lru_cache(maxsize=64)
def locale_for(language: str):
    """The Babel locale for a BCP 47 tag, or its nearest parent that CLDR knows; English if none."""
    from babel import Locale, UnknownLocaleError

    for tag in fallback_chain(language):
        try:
            return Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(BASE_LANGUAGE)


def format_as_of(as_of: str, language: str) -> str:
    """'2025-09-15' → '15 septembre 2025' (fr), '2025年9月15日' (ja); '2025-09' → 'septembre 2025';
    '2025' → '2025' (in the locale's digits)."""
    from babel.dates import format_date, format_skeleton

    locale = locale_for(language)
    parts = [int(part) for part in as_of.split("-")]
    if len(parts) > 2:
        text = format_date(dt.date(*parts), "long", locale=locale)
    elif len(parts) == 2:
        text = format_skeleton("yMMMM", dt.date(parts[0], parts[1], 1), locale=locale)
    else:
        text = format_skeleton("y", dt.date(parts[0], 1, 1), locale=locale)
    return native_digits(text, language)


_CJK_DATE = re.compile(r"(\d{4})\s*[年년](?:\s*(\d{1,2})\s*[月월](?:\s*(\d{1,2})\s*[日일])?)?")


def parse_written_date(text: str, language: str) -> str | None:
    """A date as a fact may hold it → 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; None if it is not one.

    Reads ISO dates; then the date as CLDR writes it in the profile's language (its full, long and
    medium formats and its year-month forms, with the language's month, weekday and era names, in its
    own digits or in ASCII): every date Babel writes for a language is read back in that language
    ('17 नवंबर 2022', '17 de noviembre de 2022', '17 ноября 2022 г.', 'ngày 17 tháng 11 năm 2022'); then
    the looser forms people type ('17. November 2022', 'November 2022', the CJK year-month-day forms);
    and, for a profile in another language, the same in English, which a fact is often still written in.
    Babel has no parser for written dates (its parse_date reads digits only), and dateparser would bring
    a second copy of CLDR's names with rules of its own: this reads CLDR's own patterns, through Babel,
    so what dossier writes and what it reads cannot disagree.
    """
    from .model import ISO_DATE, parse_as_of

    cleaned = _plain_date_text(text)
    if ISO_DATE.match(cleaned):
        try:
            parse_as_of(cleaned)
        except ValueError:
            return None
        return cleaned
    cjk = _CJK_DATE.fullmatch(cleaned)  # 2019年3月15日 (ja, zh), 2019년 3월 15일 (ko)
    if cjk:
        year, month, day = (int(part) if part else None for part in cjk.groups())
        return _iso(year, month, day)
    for tag in dict.fromkeys((language, BASE_LANGUAGE)):
        patterns, months = _date_patterns(tag)
        for pattern in patterns:
            match = pattern.fullmatch(cleaned)
            if match:
                parts = match.groupdict()
                month = int(parts["m"]) if parts.get("m") else months.get(parts.get("mn") or "")
                if month is None:
                    continue
                return _iso(int(parts["y"]), month, int(parts["d"]) if parts.get("d") else None)
        found = _loose_date(cleaned, months)
        if found is not None:
            return found
    return None


def _plain_date_text(text: str, strip: bool = True) -> str:
    """The text with its digits in ASCII, its spaces plain and single, without direction marks, folded."""
    import unicodedata

    digits = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)
    plain = re.sub(r"\s+", " ", re.sub("[\u200e\u200f\u061c]", "", digits)).casefold()
    return plain.strip() if strip else plain


def _iso(year: int, month: int | None, day: int | None) -> str | None:
    try:
        when = dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return when.isoformat() if day else when.isoformat()[:7] if month else str(year)


# The CLDR patterns a written date is read by: the locale's full, long and medium dates, and its
# year-month-day and year-month skeletons (the short one's two-digit year is not a date a fact holds).
_DATE_WIDTHS = ("full", "long", "medium")
_DATE_SKELETONS = ("yMMMMd", "yMMMd", "yMMMMEEEEd", "yMMMM", "yMMM", "yMd", "yM")


@lru_cache(maxsize=64)
def _date_patterns(language: str) -> tuple[tuple[re.Pattern, ...], dict[str, int]]:
    """A regular expression for each CLDR date pattern of the language, and {month name: number}."""
    locale = locale_for(language)
    months: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in locale.months[context][width].items():
                folded = _plain_date_text(name)
                months.setdefault(folded, number)
                months.setdefault(folded.rstrip(".॰"), number)
    weekdays = {_plain_date_text(name) for context in ("format", "stand-alone")
                for width in ("wide", "abbreviated") for name in locale.days[context][width].values()}
    eras = {_plain_date_text(name) for width in ("wide", "abbreviated") for name in locale.eras[width].values()}
    sources = [locale.date_formats[width].pattern for width in _DATE_WIDTHS]
    sources += [locale.datetime_skeletons[skeleton].pattern for skeleton in _DATE_SKELETONS
                if skeleton in locale.datetime_skeletons]
    compiled = (_compile_date_pattern(source, months, weekdays, eras) for source in dict.fromkeys(sources))
    return tuple(pattern for pattern in compiled if pattern is not None), months


def _alternatives(names) -> str:
    return "(?:" + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True) if name) + ")"


def _compile_date_pattern(source: str, months: dict, weekdays: set, eras: set) -> re.Pattern | None:
    """A CLDR date pattern ('d MMMM y', "MMMM 'năm' y", "d MMMM y 'г'.") as a regular expression over
    _plain_date_text; None for a pattern with fields a written date does not have."""
    pieces = []
    seen: set[str] = set()
    for match in re.finditer(r"'((?:[^']|'')*)'|([a-zA-Z])\2*|([^a-zA-Z']+)", source):
        quoted, letters, literal = match.group(1), match.group(0), match.group(3)
        if quoted is not None or literal is not None:
            text = _plain_date_text((quoted if quoted is not None else literal).replace("''", "'"), strip=False)
            if quoted == "":  # '' is a quote
                text = "'"
            pieces.append(" ?".join(re.escape(part) for part in text.split(" ")) if text.strip() else " ?")
            continue
        letter, width = letters[0], len(letters)
        group = {"y": "y", "M": "m" if width <= 2 else "mn", "L": "m" if width <= 2 else "mn", "d": "d"}.get(letter)
        if group in seen:
            return None
        if group == "y":
            pieces.append(r"(?P<y>\d{4})")
        elif group == "m":
            pieces.append(r"(?P<m>\d{1,2})")
        elif group == "mn":
            pieces.append(f"(?P<mn>{_alternatives(months)})\\.?")
        elif group == "d":
            pieces.append(r"(?P<d>\d{1,2})")
        elif letter in "Ec":
            pieces.append(_alternatives(weekdays))
        elif letter == "G":
            pieces.append(_alternatives(eras))
        else:
            return None
        if group:
            seen.add(group)
    return re.compile("".join(pieces)) if "y" in seen else None


def _loose_date(cleaned: str, months: dict[str, int]) -> str | None:
    """A year, a month name (of `months`) and perhaps a day, in any order, with nothing else:
    '17. november 2022', 'november 2022' (the forms people type that no CLDR pattern writes)."""
    # A word is letters with their marks (a Devanagari vowel sign is part of its word), or digits.
    words = [word.rstrip(".॰") for word in re.findall(r"(?:[^\W\d_]|[\u0300-\u036f\u0900-\u0dff\u0e31-\u0e4e])+|\d+",
                                                       cleaned)]
    numbers = [word for word in words if word.isdecimal()]
    named = [months[word] for word in words if word in months]
    if len(named) != 1 or not numbers or len(numbers) > 2 or len(words) != len(numbers) + 1:
        return None
    year = next((int(n) for n in numbers if len(n) == 4), None)
    day = next((int(n) for n in numbers if len(n) <= 2), None)
    if year is None or (len(numbers) == 2 and day is None):
        return None
    return _iso(year, named[0], day)


# The zero of each decimal numbering system CLDR names as a locale's default (the rest follow it in Unicode).
_ZEROS = {"arab": 0x0660, "arabext": 0x06F0, "beng": 0x09E6, "deva": 0x0966, "gujr": 0x0AE6, "guru": 0x0A66,
          "khmr": 0x17E0, "knda": 0x0CE6, "laoo": 0x0ED0, "mlym": 0x0D66, "mymr": 0x1040, "orya": 0x0B66,
          "tamldec": 0x0BE6, "telu": 0x0C66, "thai": 0x0E50, "tibt": 0x0F20}


@lru_cache(maxsize=64)
def _digits(language: str) -> dict[int, str] | None:
    """ASCII digit → the locale's own digit, when CLDR gives the locale a numbering system of its own."""
    zero = _ZEROS.get(getattr(locale_for(language), "default_numbering_system", "latn"))
    return {ord("0") + n: chr(zero + n) for n in range(10)} if zero else None


def native_digits(text: str, language: str) -> str:
    """ASCII digits as the locale's own where CLDR says it uses them (Persian ۱۴۰۴, Bengali ২০২৫)."""
    table = _digits(language)
    return text.translate(table) if table else text


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
