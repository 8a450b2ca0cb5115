"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets and the three headers of a message."""
import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


def secret_new():
    """A fresh endpoint secret: `whsec_` and the base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret):
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret, message_id, timestamp, body):
    """`v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under the secret's decoded bytes."""
    signed = f"{message_id}.{timestamp}.".encode() + body.encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(*, secrets_in_use, message_id, timestamp, body):
    """The headers of one request; during a rotation both secrets sign (space-separated, as the specification allows)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(signature(secret=s, message_id=message_id, timestamp=int(timestamp), body=body)
                                      for s in secrets_in_use),
    }
