"""Apply Math Operation's functions, by category, as numpy/scipy functions on float arrays.

A unary function takes one array; a binary one takes the column's values and a second
argument (a constant or another column's values), both broadcast as numpy does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

Unary = Callable[[np.ndarray], np.ndarray]
# The second argument is a column or a constant (numpy broadcasts it).
Binary = Callable[[np.ndarray, Any], np.ndarray]

_DEG = np.pi / 180.0


def _factorial(x: np.ndarray) -> np.ndarray:
    return np.where((x >= 0) & (x == np.floor(x)), special.gamma(x + 1), np.nan)


def _double_factorial(x: np.ndarray) -> np.ndarray:
    result = np.full(x.shape, np.nan)
    for i, value in enumerate(x):
        if value >= -1 and float(value).is_integer():
            result[i] = float(special.factorial2(int(value), exact=True)) if value > 0 else 1.0
    return result


def _nth_root(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    # An odd root of a negative number is real: -(|x| ** (1/n)).
    odd = np.mod(n, 2) == 1
    with np.errstate(invalid="ignore"):
        return np.where((x < 0) & odd, -np.power(np.abs(x), 1 / n), np.power(x, 1 / n))


def _round_to(function: Unary) -> Binary:
    def rounded(x: np.ndarray, digits: np.ndarray) -> np.ndarray:
        scale = np.power(10.0, np.floor(digits))
        return function(x * scale) / scale

    return rounded


def _to_parity(odd: bool) -> Unary:
    def nearest(x: np.ndarray) -> np.ndarray:
        # Away from zero to the nearest even (or odd) whole number, as Excel's EVEN and ODD do.
        magnitude = np.ceil(np.abs(x))
        wrong = (magnitude % 2 == 0) == odd
        magnitude = np.where(wrong, magnitude + 1, magnitude)
        return np.sign(x) * magnitude if odd else np.copysign(magnitude, x)

    return nearest


def _ceiling_power2(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.power(2.0, np.ceil(np.log2(x))), np.nan)


UNARY: dict[str, dict[str, Unary]] = {
    "Basic": {
        "Abs": np.abs,
        "Conj": np.conj,
        "Cuberoot": np.cbrt,
        "DoubleFactorial": _double_factorial,
        "Eps": lambda x: np.spacing(np.abs(x)),
        "Exp": np.exp,
        "Exp2": np.exp2,
        "ExpMinus1": np.expm1,
        "Factorial": _factorial,
        "ImaginaryPart": np.zeros_like,
        "Ln": np.log,
        "LnPlus1": np.log1p,
        "Log10": np.log10,
        "Log2": np.log2,
        "RealPart": lambda x: x,
        "Sqrt": np.sqrt,
        "SqrtPi": lambda x: np.sqrt(np.pi * x),
        "Square": np.square,
    },
    "Rounding": {
        "Ceiling": np.ceil,
        "CeilingPower2": _ceiling_power2,
        "Floor": np.floor,
        "ToEven": _to_parity(odd=False),
        "ToOdd": _to_parity(odd=True),
        "Truncate": np.trunc,
    },
    "Special": {
        "EllipticIntegralE": special.ellipe,
        "EllipticIntegralK": special.ellipk,
        "Erf": special.erf,
        "Erfc": special.erfc,
        "ErfcScaled": special.erfcx,
        "ErfInverse": special.erfinv,
        "ExponentialIntegralEin": lambda x: -special.expi(-x),
        "Gamma": special.gamma,
        "GammaLn": special.gammaln,
    },
    "Trigonometric": {
        "Acos": np.arccos,
        "AcosDegrees": lambda x: np.degrees(np.arccos(x)),
        "Acosh": np.arccosh,
        "Acot": lambda x: np.arctan(1 / x),
        "AcotDegrees": lambda x: np.degrees(np.arctan(1 / x)),
        "Acoth": lambda x: np.arctanh(1 / x),
        "Acsc": lambda x: np.arcsin(1 / x),
        "AcscDegrees": lambda x: np.degrees(np.arcsin(1 / x)),
        "Acsch": lambda x: np.arcsinh(1 / x),
        "Asec": lambda x: np.arccos(1 / x),
        "AsecDegrees": lambda x: np.degrees(np.arccos(1 / x)),
        "Asech": lambda x: np.arccosh(1 / x),
        "Asin": np.arcsin,
        "AsinDegrees": lambda x: np.degrees(np.arcsin(x)),
        "Asinh": np.arcsinh,
        "Atan": np.arctan,
        "AtanDegrees": lambda x: np.degrees(np.arctan(x)),
        "Atanh": np.arctanh,
        "Cos": np.cos,
        "CosDegrees": lambda x: np.cos(x * _DEG),
        "Cosh": np.cosh,
        "Cot": lambda x: 1 / np.tan(x),
        "CotDegrees": lambda x: 1 / np.tan(x * _DEG),
        "Coth": lambda x: 1 / np.tanh(x),
        "Csc": lambda x: 1 / np.sin(x),
        "CscDegrees": lambda x: 1 / np.sin(x * _DEG),
        "Csch": lambda x: 1 / np.sinh(x),
        "DegreesToRadians": np.radians,
        "RadiansToDegrees": np.degrees,
        "Sec": lambda x: 1 / np.cos(x),
        "SecDegrees": lambda x: 1 / np.cos(x * _DEG),
        "Sech": lambda x: 1 / np.cosh(x),
        "Sign": np.sign,
        "Sin": np.sin,
        "Sinc": np.sinc,
        "SinDegrees": lambda x: np.sin(x * _DEG),
        "Sinh": np.sinh,
        "Tan": np.tan,
        "TanDegrees": lambda x: np.tan(x * _DEG),
        "Tanh": np.tanh,
    },
}

BINARY: dict[str, dict[str, Binary]] = {
    "Basic": {
        "Atan2": np.arctan2,
        "Hypotenuse": np.hypot,
        "Log": lambda x, base: np.log(x) / np.log(base),
        "NthRoot": _nth_root,
        "Pow": np.power,
    },
    "Compare": {
        "EqualTo": lambda x, y: x == y,
        "GreaterThan": lambda x, y: x > y,
        "GreaterThanOrEqualTo": lambda x, y: x >= y,
        "LessThan": lambda x, y: x < y,
        "LessThanOrEqualTo": lambda x, y: x <= y,
        "NotEqualTo": lambda x, y: x != y,
        "PairMax": np.fmax,
        "PairMin": np.fmin,
    },
    "Operations": {
        "Add": np.add,
        "Divide": np.divide,
        "Multiply": np.multiply,
        "Subtract": np.subtract,
    },
    "Rounding": {
        "Mod": np.mod,
        "Quotient": np.floor_divide,
        "Remainder": np.fmod,
        "RoundDigits": _round_to(np.round),
        "RoundDown": _round_to(np.floor),
        "RoundUp": _round_to(np.ceil),
    },
    "Special": {
        "Beta": special.beta,
        "BetaLn": special.betaln,
        "GammaRegularizedP": special.gammainc,
        "GammaRegularizedPInverse": special.gammaincinv,
        "GammaRegularizedQ": special.gammaincc,
        "GammaRegularizedQInverse": special.gammainccinv,
        "Polygamma": lambda x, n: special.polygamma(np.asarray(n).astype(int), x),
    },
}

CATEGORIES = ("Basic", "Compare", "Operations", "Rounding", "Special", "Trigonometric")


def functions(category: str) -> tuple[str, ...]:
    """The names of a category's functions, sorted as the designer lists them."""
    return tuple(sorted({**UNARY.get(category, {}), **BINARY.get(category, {})}, key=str.lower))


def is_binary(category: str, name: str) -> bool:
    """Whether the function takes a second argument."""
    return name in BINARY.get(category, {})
