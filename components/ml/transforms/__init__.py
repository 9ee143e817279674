"""Fitted transformations that Apply Transformation replays (the designer's Transformation port).

Each component that outputs a transformation fits one of these classes on its training data and
returns both the transformed dataset (`transformation.apply(training data)`) and the object, so
the two outputs cannot disagree.
"""

from components.ml.transforms.base import Transformation, require_columns
from components.ml.transforms.cleaning import CleaningMode, MissingValueCleaner
from components.ml.transforms.normalization import NormalizationMethod, Normalizer

__all__ = [
    "CleaningMode",
    "MissingValueCleaner",
    "NormalizationMethod",
    "Normalizer",
    "Transformation",
    "require_columns",
]
