"""Company names and e-mail spellings of the demo world, and the string-array join they are built with."""

from __future__ import annotations

import numpy as np

from kam_xl.demo.vocabulary import ENDINGS, INDUSTRIES, LEGAL_FORMS, REGIONS, STEMS, SURNAMES, weights


def company_names(rng: np.random.Generator, n: int, industry: np.ndarray, region: np.ndarray,
                   size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Company names (object array) and a lower-case ASCII stem of each, for e-mail domains."""
    words = np.array([v[0] for v in INDUSTRIES.values()], dtype=object)
    word = words[industry, rng.integers(0, words.shape[1], n)]
    stem = join(np.array(STEMS, dtype=object)[rng.integers(0, len(STEMS), n)],
                 np.array(ENDINGS, dtype=object)[rng.integers(0, len(ENDINGS), n)])
    surnames = np.array(SURNAMES, dtype=object)
    first_i = rng.integers(0, len(SURNAMES), n)
    first, second = surnames[first_i], surnames[rng.integers(0, len(SURNAMES), n)]
    letters = np.array(list("ABCDEFGHKLMNPRSTW"), dtype=object)
    acronym = join(*(letters[rng.integers(0, letters.size, n)] for _ in range(3)))

    style = rng.choice(3, n, p=[0.55, 0.25, 0.20])
    legal_names, legal_p = LEGAL_FORMS
    big = size > np.quantile(size, 0.9)
    legal = np.array(legal_names, dtype=object)[rng.choice(len(legal_names), n, p=weights(legal_p))]
    legal[big & (rng.random(n) < 0.4)] = "AG"
    legal[np.array(list(REGIONS))[region] == "United Kingdom"] = "Ltd"
    legal[(style == 1) & (legal == "AG")] = "KG"

    pair = np.where(rng.random(n) < 0.3, join(first, " & Söhne"), join(first, " & ", second))
    base = np.select([style == 0, style == 1], [join(stem, " ", word), pair], join(acronym, " ", word))
    names = join(base, " ", legal)
    ascii_stem = np.select([style == 0, style == 1], [stem, ascii_lower(SURNAMES)[first_i]], acronym)
    return names, np.asarray(np.strings.lower(ascii_stem.astype(str)), dtype=object)


def join(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars into an object array."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + (np.asarray(part, dtype=object) if not isinstance(part, str) else part)
    return np.asarray(out, dtype=object)


_ASCII = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", " ": "", "&": ""}  # applied after lower()


def ascii_lower(words: list[str]) -> np.ndarray:
    """Lower-case ASCII spelling of each word of a (small) vocabulary list, for e-mail addresses."""
    text = np.strings.lower(np.asarray(words, dtype=str))
    for old, new in _ASCII.items():
        text = np.strings.replace(text, old, new)
    return text.astype(object)
