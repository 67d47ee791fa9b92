"""``[me]``: what a config file must say about you before kaffe runs on it.

The example config (``kaffe init``) ships placeholders in ``[me]``; a file that
still holds them, or says nothing about you, would sign drafts "Your Name" from
you@example.com. Fragments parsed with :func:`kaffe.config.loads` (tests, the
demo) are not held to this; a config file loaded to run on is.
"""

from __future__ import annotations

from typing import Any

from kaffe.config.accounts import drafts_entry
from kaffe.config.checks import Context, show
from kaffe.config.schema import Config

# The example config's [me] values (a test keeps these equal to the example's).
PLACEHOLDER_NAME = "Your Name"
PLACEHOLDER_ADDRESS = "you@example.com"
PLACEHOLDER_DOMAIN = "example.com"


def check_me(data: dict[str, Any], config: Config, ctx: Context) -> None:
    """Report a missing ``[me]``, an empty name, no address and left-over placeholders."""
    if "me" not in data:
        ctx.report("me", "", "missing: add a [me] section with your name and addresses "
                   "(`kaffe init` writes an example)")
        return
    if not isinstance(data["me"], dict):
        return  # reported already: not a table
    _check_name(data["me"], ctx)
    _check_addresses(config, ctx)
    _check_domains(config, ctx)


def _check_name(table: dict[str, Any], ctx: Context) -> None:
    name = table.get("name", "")
    if not isinstance(name, str):
        return  # reported already: not a string
    if not name.strip():
        ctx.report("me", "name", "missing: your name, as drafts are signed with it")
    elif name.strip() == PLACEHOLDER_NAME:
        ctx.report("me", "name", f"still the example's placeholder {show(name)}: "
                   "put your own name here")


def _check_addresses(config: Config, ctx: Context) -> None:
    if PLACEHOLDER_ADDRESS in config.me.addresses:
        ctx.report("me", "addresses", f"still the example's placeholder "
                   f"{show(PLACEHOLDER_ADDRESS)}: put your own address(es) here")
    elif not config.me.addresses and not _account_address(config):
        ctx.report("me", "addresses", "missing: kaffe needs your address to write drafts "
                   "from, and the account that receives drafts does not say it")


def _account_address(config: Config) -> bool:
    """Whether the drafts account tells your address (Google asks the account itself)."""
    entry = drafts_entry(config)
    return entry.type == "google" or bool(entry.address)


def _check_domains(config: Config, ctx: Context) -> None:
    """example.com is a real choice only when one of your addresses is at it."""
    mine = {a.rpartition("@")[2] for a in config.me.addresses if a != PLACEHOLDER_ADDRESS}
    if PLACEHOLDER_DOMAIN in config.me.domains and PLACEHOLDER_DOMAIN not in mine:
        ctx.report("me", "domains", f"still the example's placeholder "
                   f"{show(PLACEHOLDER_DOMAIN)}, and none of your addresses is at it: "
                   "put your own organisation's domains here, or [] for none")
