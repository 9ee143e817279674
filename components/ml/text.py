"""Preprocess Text's steps: pure functions over one string, English only, nothing downloaded.

Stop words are scikit-learn's English list (or the user's). Lemmatization is a small set of
rules: common irregular forms (was -> be, children -> child, ...) and regular plural nouns
(studies -> study, boxes -> box, cats -> cat); verbs' -ing and -ed forms are left as they are,
since suffix rules without a dictionary mangle too many words (a full lemmatizer needs data
files that Flowbench does not download).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

SENTENCE_SEPARATOR = "|||"
# A URL stops before trailing punctuation, which may end a sentence.
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)\S+?(?=[.!?,;:)]*(?:\s|$))", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_REPEATS = re.compile(r"([^|])\1{2,}")
_SPECIAL = re.compile(r"[^\w\s|]|_")
_SPLIT_SPECIAL = re.compile(r"(?<=\w)[&\-/+@#*=~^](?=\w)")
_CONTRACTIONS = {
    "won't": "will not",
    "can't": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "n't": " not",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "'m": " am",
    "'s": " is",
}
_CONTRACTION = re.compile("|".join(re.escape(k) for k in _CONTRACTIONS), re.IGNORECASE)
_IRREGULAR = {
    "am": "be",
    "is": "be",
    "are": "be",
    "was": "be",
    "were": "be",
    "been": "be",
    "being": "be",
    "has": "have",
    "had": "have",
    "having": "have",
    "does": "do",
    "did": "do",
    "done": "do",
    "went": "go",
    "gone": "go",
    "goes": "go",
    "made": "make",
    "said": "say",
    "took": "take",
    "taken": "take",
    "came": "come",
    "saw": "see",
    "seen": "see",
    "got": "get",
    "gave": "give",
    "given": "give",
    "knew": "know",
    "known": "know",
    "thought": "think",
    "told": "tell",
    "found": "find",
    "felt": "feel",
    "left": "leave",
    "brought": "bring",
    "bought": "buy",
    "wrote": "write",
    "written": "write",
    "ran": "run",
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "person",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
}
_KEEP_S = ("ss", "us", "is", "ous", "ics")


@dataclass(frozen=True)
class TextOptions:
    """Which Preprocess Text steps apply (all of them by default, as in the designer)."""

    remove_stop_words: bool = True
    lemmatization: bool = True
    detect_sentences: bool = True
    lowercase: bool = True
    remove_numbers: bool = True
    remove_special_characters: bool = True
    remove_duplicate_characters: bool = True
    remove_emails: bool = True
    remove_urls: bool = True
    expand_contractions: bool = True
    normalize_backslashes: bool = True
    split_on_special_characters: bool = True
    custom_regex: str = ""
    custom_replacement: str = ""


def preprocess(
    text: str, options: TextOptions, stop_words: Collection[str] = ENGLISH_STOP_WORDS
) -> str:
    """`text` cleaned as `options` say; tokens joined by single spaces, sentences by '|||'."""
    if options.custom_regex:
        text = re.sub(options.custom_regex, options.custom_replacement, text)
    if options.remove_urls:
        text = _URL.sub(" ", text)
    if options.remove_emails:
        text = _EMAIL.sub(" ", text)
    if options.expand_contractions:
        text = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(0).lower()], text)
    if options.normalize_backslashes:
        text = text.replace("\\", "/")
    if options.split_on_special_characters:
        text = _SPLIT_SPECIAL.sub(" ", text)
    if options.lowercase:
        text = text.lower()
    if options.detect_sentences:
        text = _SENTENCE_END.sub(f" {SENTENCE_SEPARATOR} ", text)
    if options.remove_numbers:
        text = _NUMBER.sub(" ", text)
    if options.remove_special_characters:
        text = _SPECIAL.sub(" ", text)
    if options.remove_duplicate_characters:
        text = _REPEATS.sub(r"\1\1", text)
    tokens = text.split()
    if options.remove_stop_words:
        tokens = [t for t in tokens if t.lower() not in stop_words]
    if options.lemmatization:
        tokens = [lemma(t) for t in tokens]
    # A separator left at either end or repeated (its sentence was all stop words) goes.
    kept: list[str] = []
    for token in tokens:
        if token == SENTENCE_SEPARATOR and (not kept or kept[-1] == SENTENCE_SEPARATOR):
            continue
        kept.append(token)
    while kept and kept[-1] == SENTENCE_SEPARATOR:
        kept.pop()
    return " ".join(kept)


def lemma(word: str) -> str:
    """The base form of `word` by the module's small rule set (case kept for unknown words)."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if not lower.isalpha() or len(lower) <= 3 or lower.endswith(_KEEP_S):
        return word
    if lower.endswith("ies") and len(lower) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if lower.endswith("s"):
        return word[:-1]
    return word
