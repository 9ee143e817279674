"""Errors raised by the component library."""


class ComponentError(Exception):
    """Base class of every component-library error."""


class ComponentDefinitionError(ComponentError):
    """A component is declared wrongly: a programmer mistake, raised at import."""


class UnknownComponentError(ComponentError):
    """No component is registered under the id (and version) asked for."""


class ComponentInputError(ComponentError):
    """The user's data or parameters do not fit what the component needs.

    The message says what was expected and what was found; the step runner shows it to the user.
    """
