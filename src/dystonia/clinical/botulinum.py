"""Botulinum toxin injection sessions: validated input, warnings with sources, product-bound doses.

Pure functions of validated models: no files, no database, no printing. Facts (products, usual
dose ranges, per-site notes, re-injection intervals, muscles) come from
``knowledge/botulinum.yaml`` through :func:`dystonia.knowledge.botulinum`.

Units are product-specific and not interchangeable: units of one product cannot be compared to or
converted into units of any other product [2]_. This module therefore never converts units between
products. A dose is a :class:`ToxinDose` that carries its product, and any arithmetic, ordering or
comparison that mixes two products raises :class:`ProductMismatchError`.

Public API
----------
:class:`InjectionSession`, :class:`Injection`
    The validated session ``{product, date, injections: [{muscle, side, units, guidance}],
    dilution_units_per_ml, indication?}``; build one with :func:`parse_session` (a mapping, e.g.
    parsed JSON) or :func:`validate_session` (keyword arguments).
:func:`session_warnings`
    The warnings of a session given the earlier sessions, each a :class:`SessionWarning`
    ``{code, severity, message, source, source_ids, verified, details}`` (``to_dict()`` for JSON).
:class:`ToxinDose`, :func:`compare_doses`, :class:`DoseDifference`
    Doses that carry their product; comparing two products raises :class:`ProductMismatchError`.

References
----------
.. [1] Albanese A, Asmus F, Bhatia KP, et al. EFNS guidelines on diagnosis and treatment of
   primary dystonias. Eur J Neurol 2011;18(1):5-18. doi:10.1111/j.1468-1331.2010.03042.x
.. [2] US prescribing information of Botox, Dysport, Xeomin, Myobloc and Daxxify: units are
   product-specific, not interchangeable, and cannot be converted into units of any other product.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dystonia.exceptions import DystoniaError, InvalidInputError, short_repr
from dystonia.knowledge import (
    DoseLimit,
    ToxinGuidance,
    ToxinProduct,
    ToxinSeverity,
    ToxinSide,
    botulinum,
)
from dystonia.validation import from_pydantic_error

__all__ = [
    "MAX_DILUTION_UNITS_PER_ML",
    "MAX_SESSION_UNITS",
    "MIN_DILUTION_UNITS_PER_ML",
    "DoseDifference",
    "Injection",
    "InjectionSession",
    "ProductMismatchError",
    "SessionWarning",
    "ToxinDose",
    "compare_doses",
    "parse_session",
    "product_of",
    "session_warnings",
    "validate_session",
]


# ---------------------------------------------------------------------------------- errors
class ProductMismatchError(DystoniaError, ValueError):
    """Two doses of different botulinum toxin products were compared, combined or converted.

    Units are product-specific and not interchangeable [1]_: nothing in the package converts or
    compares them across products.

    Parameters
    ----------
    product_a, product_b : str
        The two products (ids, generic or brand names).

    References
    ----------
    .. [1] US prescribing information of Botox, Dysport, Xeomin, Myobloc and Daxxify.
    """

    code = "bont.product_switch"

    def __init__(self, product_a: str, product_b: str) -> None:
        self.product_a = product_of(product_a).id
        self.product_b = product_of(product_b).id
        self.message = (
            "units are not interchangeable: do not compare or convert doses between "
            f"{_display(self.product_a)} and {_display(self.product_b)}"
        )
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """Description for a web API error body."""
        return {
            "code": self.code,
            "message": self.message,
            "products": [self.product_a, self.product_b],
        }


# ---------------------------------------------------------------------------------- products
def product_of(name: object, *, field: str = "product") -> ToxinProduct:
    """The product named ``name`` (id, generic or brand name, case-insensitive).

    Parameters
    ----------
    name : str
        E.g. ``"onabotulinumtoxin_a"``, ``"onabotulinumtoxinA"`` or ``"Botox"``.
    field : str
        Field named in the error message.

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        Unknown product, with the accepted names and the closest one.
    """
    table = botulinum()
    found = table.product(name) if isinstance(name, str) else None
    if found is None:
        accepted: list[str] = []
        for product in table.products:
            accepted += [product.id, product.generic_name, *product.brand_names]
        raise InvalidInputError(field, name, allowed=accepted)
    return found


def _display(product_id: str) -> str:
    return product_of(product_id).display


def _fmt(units: float) -> str:
    return f"{units:g}"


# ---------------------------------------------------------------------------------- doses
@dataclass(frozen=True, slots=True)
class ToxinDose:
    """Units of one botulinum toxin product; the units never leave their product.

    Same-product doses add (``a + b``), scale by a number (``2 * a``, ``a / 2``), order
    (``a < b``) and subtract into a :class:`DoseDifference` (``a - b``). Mixing two products in any
    of these raises :class:`ProductMismatchError`; mixing a dose with a bare number (units without
    a product) raises ``TypeError``. ``sum(doses)`` works (it starts from 0).

    Parameters
    ----------
    product : str
        Product id, generic or brand name (stored as the id).
    units : float
        Units of that product, finite and not negative.

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        Unknown product, or units that are not a finite number >= 0.
    """

    product: str
    units: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "product", product_of(self.product).id)
        object.__setattr__(self, "units", _check_units("units", self.units, allow_zero=True))

    @property
    def product_info(self) -> ToxinProduct:
        """The product's knowledge entry."""
        return product_of(self.product)

    def __str__(self) -> str:
        return f"{_fmt(self.units)} U {_display(self.product)}"

    def _same(self, other: object, operation: str) -> ToxinDose:
        if not isinstance(other, ToxinDose):
            raise TypeError(
                f"cannot {operation} a ToxinDose and {type(other).__name__}: units always carry "
                "their product; build a ToxinDose(product, units)"
            )
        if other.product != self.product:
            raise ProductMismatchError(self.product, other.product)
        return other

    def __add__(self, other: ToxinDose) -> ToxinDose:
        other = self._same(other, "add")
        return ToxinDose(self.product, self.units + other.units)

    def __radd__(self, other: int) -> ToxinDose:
        if type(other) is int and other == 0:  # the start value of sum()
            return self
        return self._same(other, "add") + self

    def __sub__(self, other: ToxinDose) -> DoseDifference:
        return compare_doses(self, self._same(other, "subtract"))

    def __mul__(self, factor: float) -> ToxinDose:
        scale = _check_factor(factor)
        return ToxinDose(self.product, self.units * scale)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> ToxinDose:
        scale = _check_factor(divisor)
        if scale == 0:
            raise ZeroDivisionError("division of a ToxinDose by zero")
        return ToxinDose(self.product, self.units / scale)

    def __lt__(self, other: ToxinDose) -> bool:
        return self.units < self._same(other, "order").units

    def __le__(self, other: ToxinDose) -> bool:
        return self.units <= self._same(other, "order").units

    def __gt__(self, other: ToxinDose) -> bool:
        return self.units > self._same(other, "order").units

    def __ge__(self, other: ToxinDose) -> bool:
        return self.units >= self._same(other, "order").units


def _check_factor(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"a ToxinDose scales only by a plain number, not {type(value).__name__}; "
            "doses of two products never combine"
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number) or number < 0:
        raise InvalidInputError("factor", value, allowed="a finite number >= 0")
    return number


# Sanity bounds on the numbers of a session, the same for every product (no unit is converted:
# they bound a number typed, not a dose). Not clinical limits, which are the product-specific
# ranges and limits of knowledge/botulinum.yaml; the largest figure there is rimabotulinumtoxinB's
# 5,000-10,000 U per session (myobloc_pi note), and the most concentrated solution is
# rimabotulinumtoxinB as supplied, 5,000 U/mL (Myobloc label). Ten times the largest session
# and twenty times that concentration keep every real dose and refuse typing errors and numbers
# whose sums overflow to inf (two sessions of 1e308 U in one cumulative window). The floor of the
# dilution (100 U in 10 litres) keeps volumes (units / dilution) finite.
#: Most units of one session (and so of one injection), of any product.
MAX_SESSION_UNITS = 100_000.0
#: Most units per mL of an injected solution.
MAX_DILUTION_UNITS_PER_ML = 100_000.0
#: Fewest units per mL of an injected solution.
MIN_DILUTION_UNITS_PER_ML = 0.01


def _check_units(
    name: str,
    value: object,
    *,
    allow_zero: bool,
    unit: str = "units",
    low: float | None = None,
    high: float | None = None,
) -> float:
    bound = ">= 0" if allow_zero else "> 0"
    if low is not None:
        bound = f">= {low:g}"
    ceiling = "" if high is None else f" and <= {high:g}"
    sanity = "; bounds for typing errors, not dose limits" if low or high else ""
    allowed = f"a finite number {bound}{ceiling} ({unit}{sanity})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            name, value, allowed=allowed, reason=f"{short_repr(value)} is not a number"
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    too_low = number < 0 or (number == 0 and not allow_zero) or (low is not None and number < low)
    if not math.isfinite(number) or too_low or (high is not None and number > high):
        raise InvalidInputError(
            name, value, allowed=allowed, reason=f"{short_repr(value)} is out of range"
        )
    return number


def _check_injection_units(value: object) -> float:
    return _check_units("units", value, allow_zero=False, high=MAX_SESSION_UNITS)


def _check_dilution(value: object) -> float:
    return _check_units(
        "dilution_units_per_ml",
        value,
        allow_zero=False,
        unit="units per mL",
        low=MIN_DILUTION_UNITS_PER_ML,
        high=MAX_DILUTION_UNITS_PER_ML,
    )


@dataclass(frozen=True, slots=True)
class DoseDifference:
    """The difference between two doses of the same product (``a - b``).

    Attributes
    ----------
    product : str
        The product id both doses share.
    a_units, b_units : float
        The two doses.
    difference_units : float
        ``a_units - b_units`` (negative when ``a`` is smaller).
    change_percent : float or None
        ``100 * (a - b) / b``; None when ``b`` is 0.
    """

    product: str
    a_units: float
    b_units: float
    difference_units: float
    change_percent: float | None

    def __str__(self) -> str:
        change = "" if self.change_percent is None else f", {self.change_percent:+.1f}%"
        return (
            f"{self.difference_units:+g} U {_display(self.product)} "
            f"({_fmt(self.a_units)} vs {_fmt(self.b_units)} U{change})"
        )


# ---------------------------------------------------------------------------------- session
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Injection(_Model):
    """One muscle and side of a session, in units of the session's product.

    ``units`` is what this entry delivers in total; for ``side="bilateral"`` it is the sum over
    both sides (the per-site and per-side notes assume an even split). A muscle injected at several
    sites may have several entries. Units are finite, > 0 and at most :data:`MAX_SESSION_UNITS`
    (a bound for typing errors, not a dose limit).
    """

    muscle: str
    side: ToxinSide
    units: float
    guidance: ToxinGuidance

    @field_validator("units", mode="before")
    @classmethod
    def _units_number(cls, value: object) -> object:
        if isinstance(value, bool):
            raise InvalidInputError("units", value, reason=f"{value!r} is not a number")
        if isinstance(value, int | float):  # the number as given (an int may exceed a float)
            _check_injection_units(value)
        return value

    @model_validator(mode="after")
    def _known(self) -> Injection:
        table = botulinum()
        _check_injection_units(self.units)
        muscle = table.muscles.get(self.muscle)
        if muscle is None:
            raise InvalidInputError("muscle", self.muscle, allowed=list(table.muscles))
        if self.side not in muscle.sides:
            raise InvalidInputError(
                "side",
                self.side,
                allowed=list(muscle.sides),
                reason=f"{self.side!r} is not a side of {self.muscle}",
            )
        if self.guidance not in muscle.guidance:
            raise InvalidInputError(
                "guidance",
                self.guidance,
                allowed=list(muscle.guidance),
                reason=f"{self.guidance!r} is not a guidance method for {self.muscle}",
            )
        return self


class InjectionSession(_Model):
    """A botulinum toxin injection session (validated; every vocabulary is closed).

    Attributes
    ----------
    product : str
        Product id (``onabotulinumtoxin_a``, ``abobotulinumtoxin_a``, ``incobotulinumtoxin_a``,
        ``rimabotulinumtoxin_b``, ``daxibotulinumtoxin_a``); generic and brand names are accepted
        on input and stored as the id.
    date : datetime.date
        Day of the session.
    injections : list of Injection
        At least one entry; all units are units of ``product``; their total at most
        :data:`MAX_SESSION_UNITS`.
    dilution_units_per_ml : float
        Units of ``product`` per mL of the injected solution, from
        :data:`MIN_DILUTION_UNITS_PER_ML` to :data:`MAX_DILUTION_UNITS_PER_ML`.
    indication : str or None
        One of the indications of ``knowledge/botulinum.yaml`` (``cervical_dystonia``,
        ``blepharospasm``, ...); without it the total is not checked against a range.
    """

    product: str
    date: dt.date
    injections: list[Injection] = Field(min_length=1)
    dilution_units_per_ml: float
    indication: str | None = None

    @field_validator("product", mode="before")
    @classmethod
    def _resolve_product(cls, value: object) -> str:
        return product_of(value).id

    @field_validator("dilution_units_per_ml", mode="before")
    @classmethod
    def _dilution_number(cls, value: object) -> object:
        if isinstance(value, bool):
            raise InvalidInputError(
                "dilution_units_per_ml", value, reason=f"{value!r} is not a number"
            )
        if isinstance(value, int | float):  # the number as given (an int may exceed a float)
            _check_dilution(value)
        return value

    @model_validator(mode="after")
    def _known(self) -> InjectionSession:
        _check_dilution(self.dilution_units_per_ml)
        total = self.total_units
        if total > MAX_SESSION_UNITS:
            raise InvalidInputError(
                "injections",
                total,
                allowed=f"a total of at most {MAX_SESSION_UNITS:g} units of the session's "
                "product (a bound for typing errors, not a dose limit)",
                reason=f"the total of {_fmt(total)} U over {len(self.injections)} injections is "
                "out of range",
            )
        indications = botulinum().indications
        if self.indication is not None and self.indication not in indications:
            raise InvalidInputError("indication", self.indication, allowed=list(indications))
        return self

    @property
    def product_info(self) -> ToxinProduct:
        """The product's knowledge entry."""
        return product_of(self.product)

    @property
    def total_dose(self) -> ToxinDose:
        """Units of the whole session, bound to its product."""
        return ToxinDose(self.product, self.total_units)

    @property
    def total_units(self) -> float:
        """Sum of the entries' units: units of :attr:`product` only (see :attr:`total_dose`)."""
        return float(sum(i.units for i in self.injections))

    def muscle_doses(self) -> dict[str, ToxinDose]:
        """Units per muscle (all sides and entries), bound to the product, in entry order."""
        totals: dict[str, float] = {}
        for item in self.injections:
            totals[item.muscle] = totals.get(item.muscle, 0.0) + item.units
        return {muscle: ToxinDose(self.product, units) for muscle, units in totals.items()}

    def volumes_ml(self) -> list[float]:
        """Injected volume of each entry in mL (units / dilution), in entry order."""
        return [item.units / self.dilution_units_per_ml for item in self.injections]


def _location(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def _input_error(error: ValidationError, prefix: str) -> InvalidInputError:
    first = error.errors(include_url=False)[0]
    inner = (first.get("ctx") or {}).get("error")
    if first["type"] == "value_error" and isinstance(inner, InvalidInputError):
        where = prefix + _location(first["loc"])
        if not where:
            name = inner.field
        elif where.endswith(inner.field):
            name = where
        elif where.endswith("."):  # only the prefix: an error of the session itself
            name = where + inner.field
        else:
            name = f"{where}.{inner.field}"
        return InvalidInputError(name, inner.value, allowed=inner.allowed, reason=inner.reason)
    return from_pydantic_error(error, prefix=prefix)


def parse_session(
    data: InjectionSession | Mapping[str, Any], *, field_prefix: str = ""
) -> InjectionSession:
    """Validate a mapping (parsed JSON or YAML, a form) into an :class:`InjectionSession`.

    Parameters
    ----------
    data : InjectionSession or mapping
        ``{product, date, injections: [{muscle, side, units, guidance}], dilution_units_per_ml,
        indication?}``; a session is returned unchanged.
    field_prefix : str
        Prepended to the field in error messages (e.g. ``"previous_sessions[0]."``).

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        For the first problem: the field (``injections[2].muscle``), the value, what is allowed
        and the closest allowed word. Units or a dilution beyond the sanity bounds
        (:data:`MAX_SESSION_UNITS`, :data:`MAX_DILUTION_UNITS_PER_ML`), which keep every total
        of the warnings finite, are refused as out of range.
    """
    if isinstance(data, InjectionSession):
        return data
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            field_prefix.rstrip(".") or "(root)",
            type(data).__name__,
            reason="an injection session must be a mapping",
        )
    try:
        return InjectionSession.model_validate(dict(data))
    except ValidationError as exc:
        raise _input_error(exc, field_prefix) from None


def validate_session(
    product: str,
    *,
    date: dt.date | str,
    injections: Iterable[Injection | Mapping[str, Any]],
    dilution_units_per_ml: float,
    indication: str | None = None,
) -> InjectionSession:
    """Build a validated :class:`InjectionSession` from keyword arguments.

    Same checks and errors as :func:`parse_session`.
    """
    return parse_session(
        {
            "product": product,
            "date": date,
            "injections": list(injections),
            "dilution_units_per_ml": dilution_units_per_ml,
            "indication": indication,
        }
    )


# ---------------------------------------------------------------------------------- compare
def _as_dose(value: object, name: str) -> ToxinDose:
    if isinstance(value, ToxinDose):
        return value
    if isinstance(value, InjectionSession):
        return value.total_dose
    raise TypeError(
        f"compare_doses: {name} must be a ToxinDose or an InjectionSession, not "
        f"{type(value).__name__} (a bare number has no product)"
    )


def compare_doses(
    a: ToxinDose | InjectionSession, b: ToxinDose | InjectionSession
) -> DoseDifference:
    """The difference ``a - b`` between two doses of the same product.

    Never converts between products: units are product-specific and not interchangeable [1]_.

    Parameters
    ----------
    a, b : ToxinDose or InjectionSession
        Doses, or sessions (their total dose).

    Returns
    -------
    DoseDifference

    Raises
    ------
    ProductMismatchError
        When the two products differ (``"units are not interchangeable: do not compare or convert
        doses between X and Y"``).

    References
    ----------
    .. [1] US prescribing information of Botox, Dysport, Xeomin, Myobloc and Daxxify.
    """
    da, db = _as_dose(a, "a"), _as_dose(b, "b")
    if da.product != db.product:
        raise ProductMismatchError(da.product, db.product)
    change = None if db.units == 0 else 100.0 * (da.units - db.units) / db.units
    return DoseDifference(da.product, da.units, db.units, da.units - db.units, change)


# ---------------------------------------------------------------------------------- warnings
@dataclass(frozen=True)
class SessionWarning:
    """A warning about an injection session, with the fact and source behind it.

    Attributes
    ----------
    code : str
        The rule id of ``knowledge/botulinum.yaml`` (``bont.reinjection_interval``, ...).
    severity : {"info", "caution", "warning"}
        From the rule.
    message : str
        One sentence for the clinician; ends with ``[unverified]`` when the fact is unverified.
    source : str
        Citation text of the fact's sources.
    source_ids : tuple of str
        The source keys.
    verified : bool
        False when the fact was not verified in a source (tagged [M] in the research).
    details : dict
        Numbers behind the message (JSON-friendly), e.g. ``interval_days``.
    """

    code: str
    severity: ToxinSeverity
    message: str
    source: str
    source_ids: tuple[str, ...]
    verified: bool
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (as the records layer stores it)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
            "source_ids": list(self.source_ids),
            "verified": self.verified,
            "details": dict(self.details),
        }


def _warning(
    code: str,
    message: str,
    sources: Iterable[str],
    *,
    verified: bool,
    **details: Any,
) -> SessionWarning:
    table = botulinum()
    keys = tuple(dict.fromkeys(sources))
    text = message if verified else f"{message} [unverified]"
    return SessionWarning(
        code=code,
        severity=table.rule(code).severity,
        message=text,
        source=table.source_text(keys),
        source_ids=keys,
        verified=verified,
        details=details,
    )


def session_warnings(
    session: InjectionSession | Mapping[str, Any],
    previous_sessions: Iterable[InjectionSession | Mapping[str, Any]] = (),
) -> list[SessionWarning]:
    """The warnings of an injection session, each with its rule, source and verified flag.

    Rules (``knowledge/botulinum.yaml``, ``rules``):

    - ``bont.reinjection_interval``: sooner than the product's minimum interval (84 days,
      12 weeks) after the previous session of *any* botulinum toxin product; exactly 84 days is
      not sooner [1]_ [2]_.
    - ``bont.product_switch``: a different product than the last session; units are not
      interchangeable [3]_.
    - ``bont.total_dose_above_range`` / ``bont.total_dose_below_range``: the total outside the
      product's usual range for the indication; ``bont.dose_range_unavailable`` when the data hold
      no range (never borrowed from another product).
    - ``bont.site_dose_note``: a site, muscle or side above a per-site note of the label [4]_.
    - ``bont.cumulative_dose_limit``: the same product's units in the listed muscles over a rolling
      window above the label's limit.

    Parameters
    ----------
    session : InjectionSession or mapping
        The session to check.
    previous_sessions : iterable of InjectionSession or mapping
        Earlier sessions of the same patient, any order, any product. Sessions dated after
        ``session`` and a session equal to ``session`` are ignored, so the full history may be
        passed.

    Returns
    -------
    list of SessionWarning
        In rule order: interval, product switch, total dose, per-site notes, cumulative limits.
        Limits tied to an indication apply when the session has that indication or none.

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        When a session does not validate (fields of earlier sessions are named
        ``previous_sessions[i].``).

    References
    ----------
    .. [1] Dysport (abobotulinumtoxinA) US prescribing information: re-treatment no sooner than
       12 weeks.
    .. [2] Xeomin (incobotulinumtoxinA) US prescribing information: no more frequently than every
       three months.
    .. [3] US prescribing information of Botox, Dysport, Xeomin, Myobloc and Daxxify.
    .. [4] Botox (onabotulinumtoxinA) US prescribing information: sternocleidomastoid at most
       100 U to decrease dysphagia.
    """
    current = parse_session(session)
    earlier = [
        s
        for s in (
            parse_session(item, field_prefix=f"previous_sessions[{i}].")
            for i, item in enumerate(previous_sessions)
        )
        if s.date <= current.date and s != current
    ]
    earlier.sort(key=lambda s: s.date)
    found: list[SessionWarning] = []
    found += _interval_warnings(current, earlier)
    found += _switch_warnings(current, earlier)
    found += _total_warnings(current)
    found += _limit_warnings(current, earlier)
    return found


def _last_sessions(earlier: list[InjectionSession]) -> list[InjectionSession]:
    if not earlier:
        return []
    last_date = earlier[-1].date
    return [s for s in earlier if s.date == last_date]


def _interval_warnings(
    current: InjectionSession, earlier: list[InjectionSession]
) -> list[SessionWarning]:
    last = _last_sessions(earlier)
    if not last:
        return []
    product = current.product_info
    rule = product.reinjection
    days = (current.date - last[0].date).days
    if days >= rule.min_days:
        return []
    products = ", ".join(dict.fromkeys(_display(s.product) for s in last))
    return [
        _warning(
            "bont.reinjection_interval",
            f"Re-injection {days} days ({days / 7:.1f} weeks) after the previous botulinum toxin "
            f"session on {last[0].date.isoformat()} ({products}); the minimum interval for "
            f"{product.display} is {rule.min_days} days ({rule.min_days / 7:g} weeks).",
            rule.sources,
            verified=rule.verified,
            interval_days=days,
            interval_weeks=round(days / 7, 2),
            min_interval_days=rule.min_days,
            previous_date=last[0].date.isoformat(),
            previous_products=sorted({s.product for s in last}),
        )
    ]


def _switch_warnings(
    current: InjectionSession, earlier: list[InjectionSession]
) -> list[SessionWarning]:
    policy = botulinum().units_policy
    found = []
    others = dict.fromkeys(
        s.product for s in _last_sessions(earlier) if s.product != current.product
    )
    for other in others:
        last_date = earlier[-1].date.isoformat()
        found.append(
            _warning(
                "bont.product_switch",
                f"Different product than the last session ({last_date}: {_display(other)}): "
                f"{ProductMismatchError(current.product, other).message}.",
                policy.sources,
                verified=policy.verified,
                previous_product=other,
                previous_date=last_date,
            )
        )
    return found


def _indication_label(indication: str | None) -> str:
    return "" if indication is None else botulinum().indications[indication]


def _total_warnings(current: InjectionSession) -> list[SessionWarning]:
    product = current.product_info
    total = current.total_dose.units
    dose_range = product.dose_range(current.indication)
    if dose_range is None:
        policy = botulinum().units_policy
        where = (
            "No indication was given"
            if current.indication is None
            else f"The knowledge data hold no usual total-dose range for {product.display} in "
            f"{_indication_label(current.indication)}"
        )
        return [
            _warning(
                "bont.dose_range_unavailable",
                f"{where}: the total of {_fmt(total)} U was not checked (ranges are "
                "product-specific and never borrowed from another product).",
                policy.sources,
                verified=True,
                total_units=total,
            )
        ]
    low, high = dose_range.low_units, dose_range.high_units
    if low <= total <= high:
        return []
    above = total > high
    return [
        _warning(
            "bont.total_dose_above_range" if above else "bont.total_dose_below_range",
            f"Total {_fmt(total)} U of {product.display} is {'above' if above else 'below'} the "
            f"usual range for {_indication_label(current.indication)} ({_fmt(low)}-{_fmt(high)} "
            f"U: {dose_range.basis}).",
            dose_range.sources,
            verified=dose_range.verified,
            total_units=total,
            low_units=low,
            high_units=high,
        )
    ]


def _applies(limit: DoseLimit, indication: str | None) -> bool:
    return limit.indication is None or indication is None or limit.indication == indication


def _limit_warnings(
    current: InjectionSession, earlier: list[InjectionSession]
) -> list[SessionWarning]:
    product = current.product_info
    found: list[SessionWarning] = []
    for limit in product.limits:
        if not _applies(limit, current.indication):
            continue
        where = f"{product.display}" + (
            f" in {_indication_label(limit.indication)}" if limit.indication else ""
        )
        warning = _LIMIT_CHECKS[limit.scope](current, earlier, limit, where)
        if warning is not None:
            found.append(warning)
    return found


def _site_limit(
    current: InjectionSession, earlier: list[InjectionSession], limit: DoseLimit, where: str
) -> SessionWarning | None:
    over = []
    for i, item in enumerate(current.injections):
        per_site = item.units / 2 if item.side == "bilateral" else item.units
        if item.muscle in limit.muscles and per_site > limit.max_units:
            over.append((i, item, per_site))
    if not over:
        return None
    listed = "; ".join(
        f"injections[{i}] {item.muscle} {item.side} {_fmt(units)} U" for i, item, units in over
    )
    return _warning(
        "bont.site_dose_note",
        f"{len(over)} injection site(s) above {_fmt(limit.max_units)} U per site for {where} "
        f"({listed}): {limit.says}.",
        limit.sources,
        verified=limit.verified,
        limit=limit.id,
        max_units=limit.max_units,
        injections=[i for i, _, _ in over],
    )


def _muscle_limit(
    current: InjectionSession, earlier: list[InjectionSession], limit: DoseLimit, where: str
) -> SessionWarning | None:
    total = sum(i.units for i in current.injections if i.muscle in limit.muscles)
    if total <= limit.max_units:
        return None
    return _warning(
        "bont.site_dose_note",
        f"{' + '.join(limit.muscles)}: {_fmt(total)} U is above {_fmt(limit.max_units)} U for "
        f"{where} ({limit.says}).",
        limit.sources,
        verified=limit.verified,
        limit=limit.id,
        max_units=limit.max_units,
        units=total,
    )


def _side_limit(
    current: InjectionSession, earlier: list[InjectionSession], limit: DoseLimit, where: str
) -> SessionWarning | None:
    per_side = {"left": 0.0, "right": 0.0}
    for item in current.injections:
        if item.muscle not in limit.muscles:
            continue
        if item.side == "bilateral":
            per_side["left"] += item.units / 2
            per_side["right"] += item.units / 2
        elif item.side in per_side:
            per_side[item.side] += item.units
    over = {side: units for side, units in per_side.items() if units > limit.max_units}
    if not over:
        return None
    listed = ", ".join(f"{side} {_fmt(units)} U" for side, units in over.items())
    return _warning(
        "bont.site_dose_note",
        f"Per side above {_fmt(limit.max_units)} U for {where} ({listed}): {limit.says}.",
        limit.sources,
        verified=limit.verified,
        limit=limit.id,
        max_units=limit.max_units,
        units_per_side=over,
    )


def _window_limit(
    current: InjectionSession, earlier: list[InjectionSession], limit: DoseLimit, where: str
) -> SessionWarning | None:
    assert limit.window_days is not None  # guaranteed by the knowledge model
    now = sum(i.units for i in current.injections if i.muscle in limit.muscles)
    parts = [f"this session {_fmt(now)} U"]
    total = now
    for s in earlier:
        if s.product != current.product or (current.date - s.date).days >= limit.window_days:
            continue
        units = sum(i.units for i in s.injections if i.muscle in limit.muscles)
        if units:
            total += units
            parts.append(f"{_fmt(units)} U on {s.date.isoformat()}")
    if total <= limit.max_units:
        return None
    return _warning(
        "bont.cumulative_dose_limit",
        f"{_fmt(total)} U of {where} within {limit.window_days} days ({' + '.join(parts)}) is "
        f"above {_fmt(limit.max_units)} U ({limit.says}).",
        limit.sources,
        verified=limit.verified,
        limit=limit.id,
        max_units=limit.max_units,
        window_days=limit.window_days,
        units=total,
    )


_LIMIT_CHECKS = {
    "site": _site_limit,
    "muscle": _muscle_limit,
    "side": _side_limit,
    "window": _window_limit,
}
