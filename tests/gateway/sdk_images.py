"""The official `openai` Python SDK sending images through `roundtable serve`.

Run by src-tauri/cli/tests/gateway.rs with GATEWAY_URL, GATEWAY_TOKEN, TARGETS (space-separated
provider/model names of non-OpenAI kinds) and PNG_BASE64 (a small picture made by the test).
Every check raises on failure; the last line is "sdk image checks passed: N".
"""

import os
import sys

import openai
from openai import OpenAI

client = OpenAI(base_url=os.environ["GATEWAY_URL"], api_key=os.environ["GATEWAY_TOKEN"],
                max_retries=0, timeout=30, default_headers={"X-Title": "sdk-images"})
PNG = os.environ["PNG_BASE64"]
PDF = os.environ["PDF_BASE64"]
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def picture(url):
    return [{"type": "image_url", "image_url": {"url": url}},
            {"type": "text", "text": "What is in this picture?"}]


def document():
    return [{"type": "file", "file": {"filename": "q3.pdf", "file_data": f"data:application/pdf;base64,{PDF}"}},
            {"type": "text", "text": "Sum it up."}]


for target in os.environ["TARGETS"].split():
    data = f"data:image/png;base64,{PNG}"
    r = client.chat.completions.create(model=target, messages=[{"role": "user", "content": picture(data)}])
    check(r.choices[0].message.content == "I see a picture.", f"{target} whole: {r.choices[0].message.content!r}")
    text = ""
    with client.chat.completions.create(model=target, stream=True,
                                        messages=[{"role": "user", "content": picture(data)}]) as s:
        for chunk in s:
            for c in chunk.choices:
                text += c.delta.content or ""
    check(text == "I see a picture.", f"{target} streamed: {text!r}")
    r = client.chat.completions.create(model=target, messages=[{"role": "user", "content": document()}])
    check(r.choices[0].message.content == "I see a picture.", f"{target} PDF: {r.choices[0].message.content!r}")
    # A remote URL goes to OpenAI-kind targets only: the gateway fetches nothing for a client.
    try:
        client.chat.completions.create(model=target, messages=[
            {"role": "user", "content": picture("https://example.com/cat.png")}])
        check(False, f"{target}: an http image URL was not refused")
    except openai.BadRequestError as e:
        check("URL" in str(e), f"{target}: the refusal says why: {e}")

print(f"sdk image checks passed: {checks}")
