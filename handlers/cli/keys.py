"""`python app.py rotate-key`: re-encrypt the stored Slack tokens under the newest key."""

from __future__ import annotations

import sys

from storage.installations import TokenKeyError, new_key, rotate_tokens, token_cipher

from .command import cli_command

STEPS = """To rotate CONSULT_SECRET_KEY:
  1. Put a new key in front of the old one: CONSULT_SECRET_KEY={new},<old key>
     and restart Consult (it decrypts with either, encrypts with the new one).
  2. Run `python app.py rotate-key`: every stored token is re-encrypted with the new key.
  3. Drop the old key: CONSULT_SECRET_KEY={new}, and restart."""


def _configure(parser) -> None:
    parser.add_argument(
        "--generate",
        action="store_true",
        help="print a new key and the steps to rotate to it (changes nothing)",
    )


@cli_command(
    "rotate-key",
    "Re-encrypt stored Slack tokens with the first key in CONSULT_SECRET_KEY (--generate: a new key)",
    _configure,
)
def rotate_key_cli(services, args) -> int:
    if args.generate:
        key = new_key()
        print(key)
        print("\n" + STEPS.format(new=key), file=sys.stderr)
        return 0
    secret_key = services.settings.secret_key
    if not secret_key:
        print(
            "CONSULT_SECRET_KEY is not set: there is no key to rotate to.\n\n"
            + STEPS.format(new="<new key>"),
            file=sys.stderr,
        )
        return 2
    try:
        changed = rotate_tokens(services.engine, token_cipher(secret_key))
    except TokenKeyError as e:
        print(f"Nothing was changed: {e}", file=sys.stderr)
        return 2
    keys = len(secret_key.split(","))
    print(
        f"Re-encrypted {changed:,} stored Slack tokens with the first key in CONSULT_SECRET_KEY."
        + (
            " You can now drop the older key(s) from CONSULT_SECRET_KEY and restart."
            if keys > 1
            else ""
        )
    )
    return 0
