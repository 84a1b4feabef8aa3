// The gateway, explained: it runs from the CLI (`roundtable serve`), not from this window, so this
// section only says how to start it, what clients use, and where their spend shows.

import { Card } from "../design/controls";
import { Terminal } from "../design/icons";
import { SectionHead } from "./common";

export function Gateway() {
  return (
    <div class="gateway-info">
      <SectionHead title="Gateway">
        One OpenAI-compatible endpoint on this machine for every model here, with the same keys, routes, fallbacks,
        prices and budget, for any script or tool that speaks OpenAI's API.
      </SectionHead>
      <div class="stack">
        <Card head={<><Terminal size={16} aria-hidden="true" /><h3>Start it</h3></>}>
          <p>Run this in a terminal (it serves until you stop it):</p>
          <pre class="snippet"><code>roundtable serve</code></pre>
          <p class="hint">Options: <code>--port 4747</code>; <code>--host 127.0.0.1</code> (another address also needs{" "}
            <code>--allow-remote</code>); <code>--per-client 16</code>, <code>--max-in-flight 64</code> and{" "}
            <code>--max-connections 256</code> limit what clients can ask at once.</p>
        </Card>
        <Card head={<h3>Connect a client</h3>}>
          <dl class="facts">
            <dt>Base URL</dt><dd><code>http://127.0.0.1:4747/v1</code></dd>
            <dt>API key</dt>
            <dd>The gateway's token (<code>rtg_…</code>), printed by <code>roundtable serve</code> when it first makes it and
              kept in the keychain; <code>ROUNDTABLE_GATEWAY_TOKEN</code> sets one for a single run instead.</dd>
            <dt>Model</dt><dd><code>provider/model</code> as in the model list, or <code>@route</code> for a route.</dd>
          </dl>
          <pre class="snippet"><code>{`from openai import OpenAI
client = OpenAI(base_url="http://127.0.0.1:4747/v1", api_key="rtg_…")
client.chat.completions.create(model="@smart", messages=[...])`}</code></pre>
        </Card>
        <Card head={<h3>What it costs</h3>}>
          <p>Every request lands in the ledger under its client's name (the <code>X-Title</code> header it sends, else
            its <code>HTTP-Referer</code>, else "gateway"): each client's spend appears in Usage, and it counts against
            the monthly budget. Only this machine can reach it; web pages are refused.</p>
        </Card>
      </div>
    </div>
  );
}
