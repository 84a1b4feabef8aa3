"""The official `openai` Python SDK as a real client of `roundtable serve`.

Run by src-tauri/cli/tests/gateway.rs, which starts fake providers and the gateway and passes:
GATEWAY_URL (…/v1), GATEWAY_TOKEN, HEALTHY (provider/model that answers), LIMITED (one that
answers 429 with Retry-After: 7), EXPECTED (the healthy answer's text), ROUTE (@name).
Every check raises on failure; the last line is "sdk checks passed: N".
"""

import os
import sys

import openai
from openai import OpenAI

URL = os.environ["GATEWAY_URL"]
TOKEN = os.environ["GATEWAY_TOKEN"]
HEALTHY = os.environ["HEALTHY"]
LIMITED = os.environ["LIMITED"]
EXPECTED = os.environ["EXPECTED"]
ROUTE = os.environ["ROUTE"]

client = OpenAI(base_url=URL, api_key=TOKEN, max_retries=0, timeout=20,
                default_headers={"X-Title": "sdk-check"})
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


# Non-streaming.
r = client.chat.completions.create(model=HEALTHY, messages=[
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say the answer."},
])
check(r.object == "chat.completion", f"object: {r.object}")
check(r.choices[0].message.content == EXPECTED, f"content: {r.choices[0].message.content!r}")
check(r.choices[0].finish_reason == "stop", f"finish: {r.choices[0].finish_reason}")
check(r.model == HEALTHY, f"model: {r.model}")
check(r.usage is not None and r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0, f"usage: {r.usage}")
check(r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, "total tokens")

# Streaming, with the final usage chunk.
text, usage, models, finishes = "", None, set(), []
with client.chat.completions.create(model=HEALTHY, stream=True, stream_options={"include_usage": True},
                                    messages=[{"role": "user", "content": [{"type": "text", "text": "Stream it."}]}]) as s:
    for chunk in s:
        check(chunk.object == "chat.completion.chunk", f"chunk object: {chunk.object}")
        models.add(chunk.model)
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            if chunk.choices[0].finish_reason:
                finishes.append(chunk.choices[0].finish_reason)
        if chunk.usage is not None:
            usage = chunk.usage
check(text == EXPECTED, f"streamed text: {text!r}")
check(finishes == ["stop"], f"finish reasons: {finishes}")
check(usage is not None and usage.completion_tokens > 0, f"final usage chunk: {usage}")
check(models == {HEALTHY}, f"chunk models: {models}")

# OpenRouter's `models` list is a fallback chain; the response names the model that answered.
r = client.chat.completions.create(model=LIMITED, messages=[{"role": "user", "content": "Fall over."}],
                                   extra_body={"models": [LIMITED, HEALTHY]})
check(r.model == HEALTHY, f"fallback answered by {r.model}")
check(r.choices[0].message.content == EXPECTED, "fallback content")
stream = client.chat.completions.create(model=LIMITED, stream=True, messages=[{"role": "user", "content": "x"}],
                                        extra_body={"models": [HEALTHY]})
check("".join(c.choices[0].delta.content or "" for c in stream if c.choices) == EXPECTED, "streamed fallback")

# A route from the config.
r = client.chat.completions.create(model=ROUTE, messages=[{"role": "user", "content": "Route it."}])
check(r.model == HEALTHY, f"route answered by {r.model}")

# Errors map to the SDK's exception classes, with the provider's Retry-After.
try:
    client.chat.completions.create(model=LIMITED, messages=[{"role": "user", "content": "x"}])
    check(False, "a 429 was expected")
except openai.RateLimitError as e:
    check(e.status_code == 429, f"status {e.status_code}")
    wait = e.response.headers.get("retry-after")
    check(wait is not None and 1 <= int(wait) <= 7, f"retry-after {wait} (the provider said 7 s; a cooldown counts down)")
    check(e.code == "rate_limited", f"code {e.code}")
try:
    client.chat.completions.create(model="nosuch/model", messages=[{"role": "user", "content": "x"}])
    check(False, "a 404 was expected")
except openai.NotFoundError as e:
    check("nosuch" in str(e) and HEALTHY.split("/")[0] in str(e), f"404 names the providers: {e}")
try:
    OpenAI(base_url=URL, api_key="wrong-token", max_retries=0).chat.completions.create(
        model=HEALTHY, messages=[{"role": "user", "content": "x"}])
    check(False, "a 401 was expected")
except openai.AuthenticationError as e:
    check(e.status_code == 401, f"status {e.status_code}")
try:
    client.chat.completions.create(model=HEALTHY, messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}])
    check(False, "a 400 was expected")
except openai.BadRequestError as e:
    check("tool_call_id `1` answers no call" in str(e), f"400 says the tool message answers no call: {e}")

# Models: every enabled provider's, and the routes.
ids = [m.id for m in client.models.list()]
check(HEALTHY in ids, f"models list has {HEALTHY}: {ids}")
check(ROUTE in ids, f"models list has {ROUTE}: {ids}")

print(f"sdk checks passed: {checks} (openai {openai.__version__})")
