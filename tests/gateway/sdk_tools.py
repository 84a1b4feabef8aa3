"""The official `openai` Python SDK calling tools through `roundtable serve`.

Run by src-tauri/cli/tests/gateway.rs with GATEWAY_URL, GATEWAY_TOKEN and TARGETS (space-separated
provider/model names of non-OpenAI kinds whose fakes call `get_weather` twice at once, then answer
with the results they were sent), and FALLBACK (a broken target to try first). Every check raises
on failure; the last line is "sdk tool checks passed: N".
"""

import json
import os
import sys

from openai import OpenAI

client = OpenAI(base_url=os.environ["GATEWAY_URL"], api_key=os.environ["GATEWAY_TOKEN"],
                max_retries=0, timeout=30, default_headers={"X-Title": "sdk-tools"})
checks = 0

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for one city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
QUESTION = [{"role": "user", "content": "Weather in Paris and Oslo?"}]
WEATHER = {"Paris": "14 C", "Oslo": "2 C"}


def check(cond, what):
    global checks
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def answer_calls(calls):
    """The tool messages answering each call."""
    return [{"role": "tool", "tool_call_id": c["id"],
             "content": WEATHER[json.loads(c["function"]["arguments"])["city"]]} for c in calls]


for target in os.environ["TARGETS"].split():
    # Whole: two parallel calls, finish_reason tool_calls, arguments as JSON text.
    r = client.chat.completions.create(model=target, messages=QUESTION, tools=TOOLS, tool_choice="auto")
    choice = r.choices[0]
    check(choice.finish_reason == "tool_calls", f"{target} whole finish: {choice.finish_reason}")
    calls = [c.model_dump() for c in choice.message.tool_calls or []]
    check(len(calls) == 2, f"{target} whole: two calls, got {calls}")
    check(sorted(json.loads(c["function"]["arguments"])["city"] for c in calls) == ["Oslo", "Paris"],
          f"{target} whole arguments: {calls}")
    check(all(c["function"]["name"] == "get_weather" and c["id"] for c in calls), f"{target} ids: {calls}")

    # Streamed: the SDK's own accumulation by index gives the same two calls.
    streamed = {}
    finish = None
    with client.chat.completions.create(model=target, messages=QUESTION, tools=TOOLS, stream=True) as s:
        for chunk in s:
            for c in chunk.choices:
                finish = c.finish_reason or finish
                for d in c.delta.tool_calls or []:
                    call = streamed.setdefault(d.index, {"id": None, "type": "function",
                                                         "function": {"name": "", "arguments": ""}})
                    call["id"] = d.id or call["id"]
                    if d.function:
                        call["function"]["name"] += d.function.name or ""
                        call["function"]["arguments"] += d.function.arguments or ""
    check(finish == "tool_calls", f"{target} streamed finish: {finish}")
    s_calls = [streamed[i] for i in sorted(streamed)]
    check([json.loads(c["function"]["arguments"])["city"] for c in s_calls]
          == [json.loads(c["function"]["arguments"])["city"] for c in calls], f"{target} streamed: {s_calls}")

    # The round trip: the results go back; the model answers from them.
    follow = QUESTION + [{"role": "assistant", "content": None, "tool_calls": calls}] + answer_calls(calls)
    r = client.chat.completions.create(model=target, messages=follow, tools=TOOLS)
    text = r.choices[0].message.content
    check(r.choices[0].finish_reason == "stop", f"{target} round trip finish: {r.choices[0].finish_reason}")
    check(text == "Paris 14 C, Oslo 2 C", f"{target} round trip: {text!r}")
    text = ""
    with client.chat.completions.create(model=target, messages=follow, tools=TOOLS, stream=True) as s:
        for chunk in s:
            for c in chunk.choices:
                text += c.delta.content or ""
    check(text == "Paris 14 C, Oslo 2 C", f"{target} streamed round trip: {text!r}")

    # With a fallback: the broken target first, then this one (OpenRouter's `models`).
    r = client.chat.completions.create(model=os.environ["FALLBACK"], messages=QUESTION, tools=TOOLS,
                                       extra_body={"models": [target]})
    check(r.choices[0].finish_reason == "tool_calls" and len(r.choices[0].message.tool_calls) == 2,
          f"{target} after a fallback: {r}")

    # Structured output goes through too.
    r = client.chat.completions.create(model=target, messages=[{"role": "user", "content": "JSON please"}],
                                       response_format={"type": "json_schema", "json_schema": {
                                           "name": "w", "schema": {"type": "object", "properties": {
                                               "city": {"type": "string"}}, "required": ["city"]}}})
    check(r.choices[0].message.content is not None, f"{target} json_schema: {r}")

print(f"sdk tool checks passed: {checks}")
