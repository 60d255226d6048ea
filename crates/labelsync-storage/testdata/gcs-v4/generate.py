"""Golden V4 signed URLs from Google's reference implementation, for `src/gcs/signer.rs`.

The key in service-account.json is a throwaway RSA key generated for these tests only; it has
never belonged to a Google service account.

Regenerate (the output must not change unless the inputs below do):

    python3 -m venv /tmp/gcs-venv && /tmp/gcs-venv/bin/pip install google-cloud-storage
    /tmp/gcs-venv/bin/python generate.py > vectors.json

Measured with google-cloud-storage 3.17.1 and google-auth 2.62.2.
"""

import json
import pathlib

from google.cloud.storage import _signing
from google.cloud.storage.blob import _quote
from google.oauth2 import service_account

HERE = pathlib.Path(__file__).parent
TIMESTAMP = "20261122T101112Z"
BUCKET = "labelsync-golden"
KEYS = [
    "plain.json",
    "folder/sub/file name.jpg",
    "a+b=c.json",
    "100%.json",
    "%2F already encoded.json",
    "hash#tag.json",
    "amp&semi;colon.json",
    "what?.json",
    "ünïcødé/€ 日本.png",
    "tilde~star*paren().json",
    "quote'dq\".json",
    " lead and trail ",
    "a//double/slash",
    "trailing/",
]
CASES = [
    # (api_access_endpoint, expiration seconds, response_type)
    ("https://storage.googleapis.com", 60, None),
    ("https://storage.googleapis.com", 604800, "image/jpeg"),
    ("http://127.0.0.1:4443", 900, "application/json; charset=utf-8"),
]


def main():
    info = json.loads((HERE / "service-account.json").read_text())
    credentials = service_account.Credentials.from_service_account_info(info)
    vectors = []
    for endpoint, expiration, response_type in CASES:
        for key in KEYS:
            # What Blob.generate_signed_url(version="v4") does for a path-style URL.
            resource = f"/{BUCKET}/{_quote(key, safe=b'/~')}"
            url = _signing.generate_signed_url_v4(
                credentials,
                resource=resource,
                expiration=expiration,
                api_access_endpoint=endpoint,
                method="GET",
                response_type=response_type,
                _request_timestamp=TIMESTAMP,
            )
            vectors.append(
                {
                    "endpoint": endpoint,
                    "bucket": BUCKET,
                    "key": key,
                    "expiration_seconds": expiration,
                    "response_type": response_type,
                    "timestamp": TIMESTAMP,
                    "url": url,
                }
            )
    print(json.dumps(vectors, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
