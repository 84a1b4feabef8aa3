// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit: run
// `UPDATE_IPC_TYPES=1 cargo test -p roundtable-app ipc_types` after changing them.

/**
 * What the window shows about the app.
 */
export type AppInfo = { 
/**
 * The product name.
 */
name: string, 
/**
 * The app's version.
 */
version: string, 
/**
 * The engine's version.
 */
engineVersion: string, };

/**
 * An attachment checked and stored, for the composer.
 */
export type AttachedView = { 
/**
 * Its SHA-256: what a turn names it by.
 */
sha256: string, 
/**
 * The file's name.
 */
name: string, 
/**
 * `image/png`, `application/pdf`, `text/plain`, …
 */
mediaType: string, 
/**
 * Its size.
 */
bytes: number, 
/**
 * Pixels, for an image.
 */
width: number | null, 
/**
 * Pixels, for an image.
 */
height: number | null, 
/**
 * Pages, for a PDF.
 */
pages: number | null, 
/**
 * A small upright copy of an image, as a `data:` URL.
 */
thumbnail: string | null, };

/**
 * An attachment already stored under the data dir, by its hash, with the name to show.
 */
export type AttachmentRef = { 
/**
 * The SHA-256 of its bytes, hex.
 */
sha256: string, 
/**
 * The file's name.
 */
name: string, };

/**
 * What the database knows of an attached file.
 */
export type AttachmentMeta = { 
/**
 * `image/png`, `application/pdf`, …
 */
media_type: string, 
/**
 * The file's name as given.
 */
name: string, 
/**
 * Its SHA-256, hex: the name of its file under `attachments/`.
 */
sha256: string, 
/**
 * Its size.
 */
bytes: number, 
/**
 * Pixels, for an image.
 */
width: number | null, 
/**
 * Pixels, for an image.
 */
height: number | null, 
/**
 * Pages, for a PDF.
 */
pages: number | null, };

/**
 * A stored part besides the text, as `history show --json` and the app see it.
 */
export type StoredPart = { "type": "image" } & AttachmentMeta | { "type": "file" } & AttachmentMeta | { "type": "tool_call" } & ToolCall | { "type": "tool_result" } & ToolResult;

/**
 * A conversation in the sidebar's list.
 */
export type ConversationSummary = { id: number, title: string, kind: ConversationKind, 
/**
 * How many messages it holds (all branches).
 */
messages: number, 
/**
 * Unix ms.
 */
createdAt: number, 
/**
 * Unix ms of the last change (pinning is not one).
 */
updatedAt: number, 
/**
 * Pinned to the top of the list (the list comes pinned first).
 */
pinned: boolean, };

/**
 * What a conversation is.
 */
export type ConversationKind = "chat" | "compare";

/**
 * A search result.
 */
export type SearchHit = { conversationId: number, title: string, messageId: number, role: Role, 
/**
 * The matching text around the match, each matched term between U+0002 (start) and U+0003
 * (end); brackets in it are the message's own.
 */
snippet: string, 
/**
 * Unix ms.
 */
createdAt: number, };

/**
 * A conversation for the web view.
 */
export type StoredView = { id: number, title: string, kind: ConversationKind, system: string | null, messages: Array<MessageView>, 
/**
 * A compare's columns as picked (`@route`, a fallback chain), in column order, for its
 * follow-ups; empty for a chat and for a compare stored before they were kept.
 */
columnTargets: Array<Array<string>>, 
/**
 * The conversation's system prompt and parameters (a compare's shared ones).
 */
settings: ChatSettings, 
/**
 * A compare's columns' own settings, in column order (`None`: the conversation's).
 */
columnSettings: Array<ChatSettings | null>, };

/**
 * A message: its text (for copy and edit) and its HTML (from the Markdown renderer).
 */
export type MessageView = { id: number, parentId: number | null, role: Role, text: string, html: string, reasoningHtml: string, model: string | null, status: MessageStatus, error: string | null, createdAt: number, 
/**
 * An answer's tokens, cost and fallbacks, from the ledger.
 */
figures: AnswerFigures | null, 
/**
 * The compare column, in a compare.
 */
column: number | null, 
/**
 * Its images and files (and, later, tool calls), before its text.
 */
parts: Array<StoredPart>, };

/**
 * Who said a message (stored as this word too: see `store::states`).
 */
export type Role = "user" | "assistant";

/**
 * Where a message stands.
 */
export type MessageStatus = "complete" | "streaming" | "interrupted" | "error" | "cancelled";

/**
 * What one stored answer cost, from the ledger: the answering attempt's usage, with the cost of
 * the attempts that failed before it added in.
 */
export type AnswerFigures = { inputTokens: number, outputTokens: number, reasoningTokens: number, 
/**
 * The whole request's cost, failed attempts included, micro-dollars.
 */
costMicros: number, ttftMs: number | null, durationMs: number | null, 
/**
 * Counted by us because the provider sent no usage (an interrupted answer, say).
 */
estimated: boolean, 
/**
 * The targets that failed before this one answered, in order.
 */
fellOver: Array<string>, 
/**
 * Prompt tokens the provider counted for images and documents, when it said.
 */
imageTokens: number, 
/**
 * What was changed to send the request (a PDF that went as its text), if anything.
 */
note: string | null, };

/**
 * One entry of the model picker.
 */
export type ModelView = { 
/**
 * `provider/model` or `@route`.
 */
id: string, provider: string, contextLength: number | null, 
/**
 * Dollars per million tokens, when known.
 */
inputPerM: number | null, outputPerM: number | null, };

/**
 * What the user asked.
 */
export type TurnSpec = { 
/**
 * Continue this conversation (its latest branch, or after `parent`), or start one.
 */
conversation?: number | null, 
/**
 * Answer after this message instead of the latest one.
 */
parent?: number | null, 
/**
 * An edit: the new message becomes a sibling of this one (a new branch).
 */
editOf?: number | null, 
/**
 * Regenerate: answer this user message again (a sibling of its earlier answers); `prompt`
 * is then ignored.
 */
regenerate?: number | null, 
/**
 * The user's message.
 */
prompt: string, 
/**
 * A system prompt: a new conversation's, or (continuing one) its new one. Like every
 * parameter below, it is stored with the conversation and carried to its next turns.
 */
system?: string | null, 
/**
 * A preset (`[presets.NAME]`) under this turn's own parameters: its values are copied into
 * the conversation's settings; its model is used when `targets` is empty.
 */
preset?: string | null, 
/**
 * `provider/model`, `@route`, or several as a fallback chain.
 */
targets: Array<string>, 
/**
 * Sampling temperature.
 */
temperature?: number | null, 
/**
 * The most tokens to generate.
 */
maxTokens?: number | null, 
/**
 * Nucleus sampling.
 */
topP?: number | null, 
/**
 * A sampling seed.
 */
seed?: number | null, 
/**
 * Sequences that end the answer.
 */
stop?: Array<string> | null, 
/**
 * Reasoning effort: low, medium or high.
 */
reasoning?: ReasoningEffort | null, 
/**
 * Send even though a spend limit is reached.
 */
overBudget?: boolean | null, 
/**
 * Files attached to the message (already stored: see `attach::Blobs::put`), before its
 * text. An edit without this field keeps the edited message's; with an empty list it has
 * none.
 */
attachments?: Array<AttachmentRef> | null, };

/**
 * A started turn: its id (for `cancel`) and where the user's message was saved.
 */
export type Started = { turn: number, saved: Saved, 
/**
 * Spend limits past their alert share, the first time in their window (a banner and an
 * OS notification say so).
 */
alerts: Array<RuleStatus>, };

/**
 * Where the user's message was saved.
 */
export type Saved = { conversationId: number, userMessageId: number, };

/**
 * One message of a turn's channel: rendered answer, or one of the turn's other events.
 */
export type StreamMsg = Render | TurnEvent | AskMsg;

/**
 * The answer's rendered blocks: drop the shown final blocks from `replaceFrom` on, append
 * `blocks`, and show `tail` as the open end. `reasoning` is reasoning text to append.
 */
export type Render = { kind: RenderKind, replaceFrom: number, blocks: Array<string>, tail: string, reasoning: string, };

/**
 * The tag of a [`Render`] message.
 */
export type RenderKind = "render";

/**
 * What happens while a turn runs.
 */
export type TurnEvent = { "kind": "attempt" } & Attempt | { "kind": "delta", text: string, } | { "kind": "reasoning", text: string, } | { "kind": "toolCall", call: ToolCall, } | { "kind": "toolResult", result: ToolResult, } | { "kind": "done" } & Finished | { "kind": "failed", error: ErrorView, 
/**
 * Whether part of the answer had arrived.
 */
partial: boolean, 
/**
 * The answer message holding what arrived, if anything did.
 */
messageId: number | null, } | { "kind": "cancelled", messageId: number | null, };

/**
 * A finished answer: where it is kept, who answered after whom, and its figures.
 */
export type Finished = { 
/**
 * The answer message (none for a turn kept in the ledger only).
 */
messageId: number | null, 
/**
 * The conversation (none for a turn kept in the ledger only).
 */
conversationId: number | null, 
/**
 * Groups the request's ledger rows.
 */
requestId: string, 
/**
 * `provider/model` that answered, as the provider named the model.
 */
model: string, 
/**
 * The target that answered, as it was asked for.
 */
requested: string, 
/**
 * The targets that failed before it, each as `target (class)`.
 */
fellOver: Array<string>, 
/**
 * Every attempt, the answering one and skips included.
 */
attempts: Array<Attempt>, 
/**
 * The provider's own usage; `None` when it sent none (the cost is then estimated).
 */
usage: Usage | null, 
/**
 * Why the model stopped (`stop`, `length`, …).
 */
finish: string, 
/**
 * The cost the provider itself reported (OpenRouter), the tool loop's calls totalled.
 */
providerCostUsd: number | null, 
/**
 * The answer's cost (its answering attempt; a tool loop's model calls totalled), in
 * micro-dollars.
 */
costMicros: number, 
/**
 * Model calls made for this answer (more than one when it called tools).
 */
steps: number, 
/**
 * Where the price came from (`override`, `catalog`, `builtin`, `local`, `provider`).
 */
priceSource: string | null, ttftMs: number | null, durationMs: number, };

/**
 * An error as an edge shows it: its kind, its words, and for a provider failure the provider,
 * class, status, wait and hint. The app's IPC error (generated to TypeScript) and the turn's
 * `failed` event carry it.
 */
export type ErrorView = { kind: ErrorKind, 
/**
 * One line: what happened and what to do.
 */
message: string, provider: string | null, class: ErrorClass | null, status: number | null, retryAfterMs: number | null, 
/**
 * A provider failure's own words (without provider, class or hint).
 */
detail: string | null, 
/**
 * What the user can do about a provider failure.
 */
hint: string | null, };

/**
 * What kind of failure an [`Error`] is: what every edge (the CLI's exit status, the gateway's
 * HTTP status, the app's IPC error) decides from. Serialised in snake_case.
 */
export type ErrorKind = "provider" | "budget_exceeded" | "config" | "bad_input" | "store" | "io" | "keychain" | "internal";

/**
 * How hard a reasoning model should think; `None` leaves the provider's default. One enum for
 * the engine, the CLI (`--reasoning`) and the app (`low`, `medium`, `high`).
 */
export type ReasoningEffort = "low" | "medium" | "high";

/**
 * One attempt at one target.
 */
export type Attempt = { 
/**
 * `provider/model`.
 */
target: string, 
/**
 * 1-based, counting every attempt of the request (skips excluded).
 */
number: number, 
/**
 * How it ended.
 */
outcome: Outcome, 
/**
 * The failure's class.
 */
class: ErrorClass | null, 
/**
 * The failure's HTTP status.
 */
status: number | null, 
/**
 * Milliseconds to the first token, or to the failure.
 */
ms: number, 
/**
 * What happened, for failures and skips; for the answering attempt, what was changed to
 * send it (a PDF that went as its text).
 */
message: string | null, };

/**
 * How an attempt ended.
 */
export type Outcome = "ok" | "failed" | "skipped";

/**
 * What kind of provider failure this is. Serialised in snake_case (`rate_limited`, …): scripts rely
 * on these names.
 */
export type ErrorClass = "auth" | "rate_limited" | "quota_exceeded" | "overloaded" | "context_length" | "model_not_found" | "bad_request" | "content_filtered" | "upstream" | "network" | "timeout" | "malformed_stream" | "redirected" | "unsupported_input";

/**
 * Token counts, normalised once for every provider.
 *
 * `input_tokens` is the **whole** prompt, cached parts included; `cache_read_tokens` and
 * `cache_write_tokens` are the parts of it read from or written to the provider's cache.
 * `output_tokens` is everything generated, reasoning included; `reasoning_tokens` is the part of
 * it spent thinking. (OpenAI's convention; Anthropic's uncached `input_tokens` and Gemini's
 * separate `thoughtsTokenCount` are converted to it.) So the uncached input is
 * `input_tokens - cache_read_tokens - cache_write_tokens`, and nothing is counted twice.
 *
 * Serialised (for the app) in camelCase; the CLI's `--json` and the gateway write their own
 * snake_case shapes from the fields.
 */
export type Usage = { 
/**
 * All prompt tokens, cached ones included.
 */
inputTokens: number, 
/**
 * All generated tokens, reasoning included.
 */
outputTokens: number, 
/**
 * Prompt tokens read from the cache.
 */
cacheReadTokens: number, 
/**
 * Prompt tokens written to the cache.
 */
cacheWriteTokens: number, 
/**
 * Generated tokens spent reasoning.
 */
reasoningTokens: number, 
/**
 * Prompt tokens the provider said it counted for images and documents (part of
 * `input_tokens`; Gemini reports them by modality, the others do not break them out).
 */
imageTokens: number, };

/**
 * A provider in settings: where it is, and whether a key is there — as a masked hint only.
 */
export type ProviderView = { id: string, kind: string, baseUrl: string, enabled: boolean, needsKey: boolean, key: KeyView | null, 
/**
 * Why the keychain could not be read, if it could not.
 */
keychainError: string | null, };

/**
 * A key as the web view may see it: never the key, only its last four characters.
 */
export type KeyView = { 
/**
 * Where the key is kept.
 */
source: KeySource, hint: string, 
/**
 * The origin a keychain key is bound to.
 */
origin: string | null, };

/**
 * Where a key in force is kept.
 */
export type KeySource = "keychain" | "environment";

/**
 * What the settings editors show (never a key).
 */
export type SettingsView = { 
/**
 * Where the config file is.
 */
configPath: string, routes: Array<RouteSetting>, 
/**
 * The compare sets, by name.
 */
compareSets: Array<CompareSetSetting>, prices: Array<PriceSetting>, budget: BudgetSetting, 
/**
 * The MCP servers, by name.
 */
mcp: Array<McpServerSetting>, 
/**
 * The presets in force (the built-in examples while the file has none).
 */
presets: Array<PresetSetting>, 
/**
 * The `[[budgets]]` rules, in order (the legacy monthly budget is `budget`).
 */
budgets: Array<BudgetRuleSetting>, 
/**
 * The app's own updates.
 */
updates: UpdatesSetting, };

/**
 * A named route as the editor shows and sends it.
 */
export type RouteSetting = { 
/**
 * Used as `@name`.
 */
name: string, strategy: Strategy, 
/**
 * `provider/model` or `@route`, in order.
 */
targets: Array<string>, 
/**
 * One weight per target, for `balance`.
 */
weights: Array<number> | null, };

/**
 * A named compare set as the compare view shows and sends it.
 */
export type CompareSetSetting = { 
/**
 * Used as `roundtable compare --set NAME`.
 */
name: string, 
/**
 * Each column's `provider/model` or `@route`, 2 to 8.
 */
columns: Array<string>, };

/**
 * How a route picks among its targets.
 */
export type Strategy = "fallback" | "balance" | "latency";

/**
 * A price override, USD per million tokens.
 */
export type PriceSetting = { 
/**
 * `provider/model`.
 */
model: string, input: number, output: number, cacheRead: number | null, cacheWrite: number | null, };

/**
 * The monthly budget and this calendar month's (UTC) spend against it.
 */
export type BudgetSetting = { monthlyUsd: number | null, spentUsd: number, };

/**
 * One change to the config.
 */
export type Edit = { "kind": "provider", id: string, enabled: boolean, baseUrl: string | null, } | { "kind": "route", route: RouteSetting, previous: string | null, } | { "kind": "removeRoute", name: string, } | { "kind": "compareSet", set: CompareSetSetting, previous: string | null, } | { "kind": "removeCompareSet", name: string, } | { "kind": "price", price: PriceSetting, } | { "kind": "removePrice", model: string, } | { "kind": "budget", monthlyUsd: number | null, } | { "kind": "mcpApproval", server: string, tool: string | null, decision: Approve, } | { "kind": "mcpServer", server: McpServerSetting, previous: string | null, } | { "kind": "removeMcpServer", name: string, } | { "kind": "preset", preset: PresetSetting, previous: string | null, } | { "kind": "removePreset", name: string, } | { "kind": "budgets", rules: Array<BudgetRuleSetting>, } | { "kind": "updates", enabled: boolean, url: string | null, };

/**
 * What the user asked of every column.
 */
export type CompareSpec = { 
/**
 * A follow-up in this compare; a new compare when missing.
 */
conversation?: number | null, prompt: string, 
/**
 * A system prompt for every column (unless a column's own settings say otherwise).
 */
system?: string | null, 
/**
 * A preset for every column, under this spec's own values and each column's.
 */
preset?: string | null, columns: Array<ColumnSpec>, temperature?: number | null, maxTokens?: number | null, topP?: number | null, seed?: number | null, stop?: Array<string> | null, reasoning?: ReasoningEffort | null, 
/**
 * Send even though a spend limit is reached.
 */
overBudget?: boolean | null, 
/**
 * Files attached to the message, sent to every column.
 */
attachments: Array<AttachmentRef>, };

/**
 * One column of a compare turn.
 */
export type ColumnSpec = { 
/**
 * `provider/model`, `@route`, or several as a fallback chain.
 */
targets: Array<string>, 
/**
 * A follow-up: the column's last message (its answer, or its unanswered question).
 */
after?: number | null, 
/**
 * This column's preset, over the compare's own settings.
 */
preset?: string | null, 
/**
 * This column's own values, over everything else (`-m MODEL#PRESET`, the app's column
 * settings).
 */
settings?: ChatSettings | null, };

/**
 * A started compare: the conversation, and per column its turn (for `cancel`) and question.
 */
export type CompareStarted = { conversationId: number, turns: Array<number>, userMessageIds: Array<number>, 
/**
 * Spend limits past their alert share, the first time in their window.
 */
alerts: Array<RuleStatus>, };

/**
 * One message of a compare's channel: a column's stream message.
 */
export type ColumnMsg = { column: number, msg: StreamMsg, };

/**
 * What a vote says.
 */
export type Verdict = "winner" | "tie" | "bad";

/**
 * The board, best first.
 */
export type Leaderboard = { votes: number, rows: Array<Rating>, };

/**
 * One model's place.
 */
export type Rating = { model: string, 
/**
 * 1000 is the reference; 400 points is 10:1 odds.
 */
rating: number, 
/**
 * The 95% interval's ends.
 */
low: number, high: number, 
/**
 * Votes it was judged in.
 */
votes: number, wins: number, ties: number, losses: number, };

/**
 * Everything the dashboard shows for a range.
 */
export type Dashboard = { since: string, until: string, totalMicros: number, days: Array<DaySpend>, models: Array<UsageLine>, providers: Array<UsageLine>, clients: Array<UsageLine>, 
/**
 * Every spend limit's spend in its current window (whatever the range), with a forecast
 * to the window's end at the pace so far.
 */
budgets: Array<RuleStatus>, };

/**
 * Spend on one day for one provider.
 */
export type DaySpend = { 
/**
 * `YYYY-MM-DD`.
 */
day: string, provider: string, costMicros: number, };

/**
 * One row of a usage table (per model, provider or client): the `usage` totals, and for models
 * the first-token percentiles and the answers after a failure.
 */
export type UsageLine = { 
/**
 * Time to first token, ms (to 10 ms under 1 s, 100 ms under 10 s).
 */
ttftP50: number | null, ttftP95: number | null, 
/**
 * Answers that came after a failed attempt (a retry or a fallover).
 */
afterFailure: number, 
/**
 * The day (`YYYY-MM-DD`), model or provider.
 */
key: string, 
/**
 * Attempts.
 */
requests: number, 
/**
 * Failed attempts.
 */
errors: number, 
/**
 * Input tokens.
 */
inputTokens: number, 
/**
 * Output tokens.
 */
outputTokens: number, 
/**
 * Cache reads.
 */
cacheReadTokens: number, 
/**
 * Cache writes.
 */
cacheWriteTokens: number, 
/**
 * Reasoning tokens.
 */
reasoningTokens: number, 
/**
 * Cost in micro-dollars.
 */
costMicros: number, 
/**
 * Rows whose figures are estimated.
 */
estimated: number, };

/**
 * One tool call: complete (its arguments are the whole JSON text the model wrote).
 */
export type ToolCall = { 
/**
 * The provider's call id (`call_…`, `toolu_…`), or one made up where the protocol has none.
 */
id: string, 
/**
 * The tool's name as the model called it.
 */
name: string, 
/**
 * The arguments as the model wrote them: JSON text, replayed exactly; not always valid.
 */
arguments: string, 
/**
 * Gemini's `thoughtSignature` echoed back with the call; or, with `thinking`, the signature
 * of Anthropic's thinking block that came before it.
 */
signature?: string | null, 
/**
 * Anthropic's thinking block before this call (the first of its message), sent back with
 * its signature: Anthropic requires it when thinking is on in a tool loop.
 */
thinking?: string | null, 
/**
 * Where in the answer's text the call was made (bytes of text before it).
 */
at: number, };

/**
 * A tool's result, answering one call.
 */
export type ToolResult = { 
/**
 * The call it answers.
 */
id: string, 
/**
 * The tool's name (Gemini and Ollama match results by name).
 */
name: string, 
/**
 * What the tool gave back (or the error).
 */
content: Array<ToolContent>, 
/**
 * Whether it failed (or was refused).
 */
is_error: boolean, 
/**
 * How the call was decided, when it was asked.
 */
decision?: Decision | null, 
/**
 * How long the tool took, in milliseconds.
 */
ms?: number | null, };

/**
 * A piece of a tool's result.
 */
export type ToolContent = { "type": "text", 
/**
 * The text.
 */
text: string, } | { "type": "image", 
/**
 * `image/png`, …
 */
media_type: string, 
/**
 * The bytes, base64.
 */
data: string, };

/**
 * How a tool call was allowed or refused.
 */
export type Decision = "once" | "always" | "denied" | "never" | "invalid";

/**
 * A tool call waiting for the person.
 */
export type AskMsg = { kind: AskKind, 
/**
 * The turn it waits in.
 */
turn: number, pending: Pending, };

/**
 * The tag of an [`AskMsg`].
 */
export type AskKind = "ask";

/**
 * A call waiting for the person's answer, as a front shows it.
 */
export type Pending = { 
/**
 * The call.
 */
call: ToolCall, 
/**
 * Its server.
 */
server: string, 
/**
 * The tool's own name.
 */
tool: string, 
/**
 * Its description.
 */
description: string, };

/**
 * The person's answer to one call.
 */
export type Approval = "once" | "always_tool" | "always_server" | "deny" | "never_tool";

/**
 * Whether a tool may run without asking.
 */
export type Approve = "ask" | "always" | "never";

/**
 * An MCP server as the settings editor shows and sends it: a process (`command`, `args`,
 * `env`, `cwd`) or an HTTP endpoint (`url`, and the *name* of its auth header — the value lives
 * in the keychain, see `crate::mcp::save_auth`). Its remembered approvals (`approve`, `always`,
 * `never`) and `timeout_ms` are not edited here and are kept as they are.
 */
export type McpServerSetting = { 
/**
 * `[A-Za-z0-9_-]{1,32}`, without `__`.
 */
name: string, command: string | null, args: Array<string>, env: { [key in string]: string }, cwd: string | null, url: string | null, authHeader: string | null, enabled: boolean, 
/**
 * Tools not offered to models.
 */
disabledTools: Array<string>, };

/**
 * A server as Settings → Tools shows it: its settings and its state.
 */
export type ServerView = { setting: McpServerSetting, status: ServerStatus | null, 
/**
 * Whether an auth header value is in the keychain (never the value).
 */
hasAuth: boolean, };

/**
 * One server as `roundtable mcp status` and the app's settings show it.
 */
export type ServerStatus = { 
/**
 * Its `[mcp.NAME]`.
 */
name: string, 
/**
 * A process or an HTTP endpoint.
 */
kind: Kind, 
/**
 * The command line, or the URL.
 */
target: string, 
/**
 * `false`: turned off in the config.
 */
enabled: boolean, 
/**
 * Where it is in its life.
 */
state: State, 
/**
 * The process id, while a stdio server runs.
 */
pid: number | null, 
/**
 * How many tools it listed last (needs-a-task tools left out).
 */
tools: number | null, 
/**
 * The last failure: a start, a death, a transport error.
 */
lastError: string | null, 
/**
 * How long its last start took, from spawning (or connecting) to the end of the handshake.
 */
coldStartMs: number | null, };

/**
 * How a server is reached.
 */
export type Kind = "stdio" | "http";

/**
 * Where a server is in its life.
 */
export type State = "not_started" | "starting" | "running" | "failed" | "stopped";

/**
 * What `roundtable mcp test NAME` shows: the server's status after starting it, and its tools.
 */
export type McpTest = { 
/**
 * Its status once started.
 */
status: ServerStatus, 
/**
 * Its tools (turned-off ones included, with `enabled: false`).
 */
tools: Array<McpTool>, };

/**
 * A tool of an MCP server, as offered to models.
 */
export type McpTool = { 
/**
 * The server.
 */
server: string, 
/**
 * The tool's own name on its server.
 */
name: string, 
/**
 * What models see: `<server>__<tool>` in `[A-Za-z0-9_-]`, at most 64 characters, unique.
 */
namespaced: string, 
/**
 * A human-readable title, if it has one.
 */
title: string | null, 
/**
 * What it does (empty if the server says nothing).
 */
description: string, 
/**
 * Its arguments' JSON Schema (an object), as the server gave it.
 */
inputSchema: unknown, 
/**
 * `false` for a tool in `disabled_tools`: listed, not offered to models.
 */
enabled: boolean, };

/**
 * The tools of the chosen servers (starting them), for a chat's tools menu; a server that
 * cannot start is named with its error, the others' tools still listed.
 */
export type ToolsView = { tools: Array<McpTool>, errors: Array<string>, };

/**
 * The local models as Settings → Models shows them.
 */
export type LocalView = { 
/**
 * The models on disk, by name.
 */
installed: Array<InstalledModel>, 
/**
 * The built-in catalog, in its order.
 */
catalog: Array<CatalogModel>, 
/**
 * The names being downloaded now.
 */
pulling: Array<string>, 
/**
 * The model a chat uses when none is named (`provider/model` or `@route`), if any.
 */
defaultModel: string | null, };

/**
 * A model on disk.
 */
export type InstalledModel = { 
/**
 * Its name (the model is `local/NAME`).
 */
name: string, 
/**
 * The file's size in bytes.
 */
size: number, architecture: string, quantization: string, 
/**
 * The context window it was trained for, in tokens.
 */
contextLength: number | null, 
/**
 * Its parameter count.
 */
parameters: number, 
/**
 * Whether it is loaded in memory now.
 */
loaded: boolean, };

/**
 * A catalog entry, and whether it is installed.
 */
export type CatalogModel = { name: string, title: string, 
/**
 * The file's size in bytes.
 */
size: number, 
/**
 * Its parameter count as people say it (`135M`).
 */
parameters: string, quantization: string, 
/**
 * Its context window in tokens.
 */
context: number, license: string, notes: string, installed: boolean, };

/**
 * One message of a download's channel: progress (at most ten a second), then how it ended.
 */
export type PullEvent = { "kind": "progress", done: number, total: number | null, } | { "kind": "done", model: string, } | { "kind": "failed", error: ErrorView, } | { "kind": "cancelled" };

/**
 * A system prompt and parameters; every field optional (the provider's default).
 */
export type ChatSettings = { 
/**
 * The preset these came from, if any (a label: the values are copied).
 */
preset?: string | null, system?: string | null, temperature?: number | null, topP?: number | null, maxTokens?: number | null, reasoning?: ReasoningEffort | null, stop?: Array<string> | null, seed?: number | null, };

/**
 * One preset. Every field is optional; a flag given beside `-p` wins over it.
 */
export type PresetFields = { 
/**
 * The system prompt.
 */
system?: string | null, 
/**
 * `provider/model` or `@route`.
 */
model?: string | null, temperature?: number | null, top_p?: number | null, max_tokens?: number | null, reasoning?: ReasoningEffort | null, stop?: Array<string> | null, seed?: number | null, };

/**
 * A preset as Settings → Presets shows and sends it.
 */
export type PresetSetting = { 
/**
 * Used as `-p NAME` and in the picker.
 */
name: string, 
/**
 * One of the built-in examples, not yet written to the file.
 */
builtIn: boolean, fields: PresetFields, };

/**
 * A spend limit as Settings → Budgets shows and sends it.
 */
export type BudgetRuleSetting = { 
/**
 * `all`, `provider:ID`, `model:PROVIDER/MODEL`, `route:NAME` or `client:NAME`.
 */
scope: string, window: Window, limitUsd: number, alertPercent: number, };

/**
 * A checked rule.
 */
export type BudgetRule = { scope: Scope, window: Window, 
/**
 * The limit, micro-dollars.
 */
limitMicros: number, alertPercent: number, 
/**
 * Read from `[budget] monthly_usd` rather than `[[budgets]]`.
 */
legacy: boolean, };

/**
 * What a rule counts.
 */
export type Scope = { "kind": "all" } | { "kind": "provider", "name": string } | { "kind": "model", "name": string } | { "kind": "route", "name": string } | { "kind": "client", "name": string };

/**
 * The period a rule's spend is counted over, in the person's time zone.
 */
export type Window = "day" | "week" | "month";

/**
 * One rule's spend in its current window.
 */
export type RuleStatus = { rule: BudgetRule, 
/**
 * `provider:openai per day ($2.50)`.
 */
label: string, windowStart: number, windowEnd: number, spentMicros: number, 
/**
 * Spent as a share of the limit, in percent (100 or more when exceeded; a zero limit is
 * always exceeded).
 */
percent: number, state: RuleState, 
/**
 * The spend at the window's end at the pace so far.
 */
forecastMicros: number, };

/**
 * Where a rule stands.
 */
export type RuleState = "fine" | "alert" | "exceeded";

/**
 * What sending would cost, per target (or column), and the spend limits it falls under.
 */
export type Preview = { 
/**
 * One per column (a chat has one).
 */
columns: Array<Estimate>, 
/**
 * The spend limits the request falls under, as they stand.
 */
rules: Array<RuleStatus>, 
/**
 * The tightest rule the worst case (every column's input and max answer) would cross.
 */
crosses: string | null, };

/**
 * The cost before sending, for one target.
 */
export type Estimate = { 
/**
 * `provider/model` the request goes to first.
 */
target: string, promptTokens: number, counted: Counted, 
/**
 * `None` when the price is unknown.
 */
inputMicros: number | null, 
/**
 * The context window, when known.
 */
contextWindow: number | null, 
/**
 * The share of the window the prompt fills, in percent.
 */
fillPercent: number | null, fit: Fit, 
/**
 * Tokens to cut for the prompt to fit (with room for one answer token), when over.
 */
cutTokens: number, 
/**
 * The answer's most tokens: the request's max tokens, else the model's known limit.
 */
maxAnswerTokens: number | null, 
/**
 * The answer's cost at its max tokens (the range is 0 to this), when price and max known.
 */
maxAnswerMicros: number | null, };

/**
 * How the tokens were counted.
 */
export type Counted = { "kind": "exact", tokenizer: string, } | { "kind": "estimated", samples: number, chars_per_token: number, };

/**
 * Whether the prompt fits the context window.
 */
export type Fit = "fits" | "tight" | "over";

/**
 * `[updates]` as Settings → Updates shows it.
 */
export type UpdatesSetting = { 
/**
 * Look for a new version at start and on "Check now".
 */
enabled: boolean, 
/**
 * The update manifest's address in force.
 */
url: string, 
/**
 * The address used when none is set.
 */
defaultUrl: string, };

/**
 * What "Check now" found.
 */
export type UpdateCheck = { 
/**
 * The running version.
 */
current: string, 
/**
 * How this copy can be updated.
 */
install: InstallKind, 
/**
 * A newer release, if there is one.
 */
offer: UpdateOffer | null, };

/**
 * A newer release.
 */
export type UpdateOffer = { version: string, 
/**
 * The release notes, as plain text.
 */
notes: string | null, 
/**
 * When it was published (RFC 3339), if the manifest says.
 */
date: string | null, };

/**
 * How this copy of the app is updated.
 */
export type InstallKind = { "kind": "package", format: string, } | { "kind": "appImage" } | { "kind": "manual", how: string, };

/**
 * What "Install" did.
 */
export type Installed = { 
/**
 * The version now installed; it runs from the next start.
 */
version: string, };

/**
 * The suites folder and what is in it.
 */
export type SuitesView = { 
/**
 * `evals/` in the data dir.
 */
dir: string, suites: Array<SuiteFileInfo>, };

/**
 * A suite file found in a folder.
 */
export type SuiteFileInfo = { path: string, 
/**
 * Its name, when it loads.
 */
name?: string | null, cases: number, 
/**
 * Why it does not load.
 */
error?: string | null, };

/**
 * A loaded suite: every case resolved.
 */
export type Suite = { name: string, description: string | null, 
/**
 * The file it was read from.
 */
path: string | null, 
/**
 * The suite's own settings (system prompt, temperature, seed, …).
 */
settings: ChatSettings, 
/**
 * Its preset (a run's `-p` wins).
 */
preset: string | null, judge: JudgeDefaults, cases: Array<Case>, 
/**
 * SHA-256 over everything that decides a cell.
 */
hash: string, };

/**
 * One case, its prompt and checks filled in.
 */
export type Case = { 
/**
 * Its name, or where it came from (`row 3` of the CSV).
 */
label: string, prompt: string, vars: { [key in string]: string }, attach: Array<Attached>, checks: Array<Check>, };

/**
 * A file sent with a case.
 */
export type Attached = { 
/**
 * As the suite names it.
 */
name: string, path: string, sha256: string, };

/**
 * The judge every judge check uses unless it names its own.
 */
export type JudgeDefaults = { 
/**
 * `provider/model` or `@route`.
 */
target?: string | null, 
/**
 * What a good answer is.
 */
rubric?: string | null, };

/**
 * One check, as a suite writes it.
 */
export type Check = { "type": "contains", value: string, ignore_case: boolean, } | { "type": "not_contains", value: string, ignore_case: boolean, } | { "type": "regex", value: string, } | { "type": "equals", value: string, ignore_case: boolean, } | { "type": "json", } | { "type": "json_schema", schema: unknown, 
/**
 * A schema file, relative to the suite (read when the suite loads).
 */
file?: string | null, } | { "type": "latency", max_ms: number, } | { "type": "cost", max_usd: number, } | { "type": "judge", rubric?: string | null, 
/**
 * `provider/model` or `@route`; the suite's `[judge] target` by default.
 */
target?: string | null, 
/**
 * The lowest passing score (1–5; 4 by default).
 */
pass?: number | null, } | { "type": "command", run: CommandLine, timeout_s: number | null, };

/**
 * A command: a string run by `sh -c`, or the program and its arguments.
 */
export type CommandLine = string | Array<string>;

/**
 * A check's verdict.
 */
export type CheckResult = { 
/**
 * The check's `type`.
 */
kind: string, passed: boolean, 
/**
 * Why, in one or two lines.
 */
reason: string, 
/**
 * A judge's score, 1–5.
 */
score?: number | null, 
/**
 * Who judged, and with what prompt.
 */
judge?: JudgeRecord | null, };

/**
 * A judge's call, kept with its score so a score can always be traced.
 */
export type JudgeRecord = { 
/**
 * As asked for.
 */
target: string, 
/**
 * The model that answered.
 */
model: string, 
/**
 * The whole prompt the judge was sent.
 */
prompt: string, 
/**
 * What the judge said.
 */
reply: string, costMicros: number, };

/**
 * What a run in the window is started with.
 */
export type EvalStart = { path: string, targets: Array<string>, preset?: string | null, repeat?: number | null, concurrency?: number | null, fresh?: boolean | null, };

/**
 * A run's events as the window gets them.
 */
export type EvalMsg = { "kind": "started", runId: number, total: number, skipped: number, resumed: boolean, } | { "kind": "cell", cell: StoredCell, } | { "kind": "ended", end: RunEnd, } | { "kind": "failed", error: ErrorView, };

/**
 * How a run ended.
 */
export type RunEnd = { runId: number, status: RunStatus, 
/**
 * Why it stopped early (a spend limit's refusal, or the person).
 */
stopped: string | null, 
/**
 * Whether a spend limit stopped it.
 */
budget: boolean, 
/**
 * Cells that got no answer this time (tried again on the next run).
 */
errors: number, };

/**
 * A run as listed.
 */
export type EvalRun = { id: number, suiteName: string, suitePath: string | null, suiteHash: string, targets: Array<string>, preset: string | null, repeat: number, 
/**
 * Cells in all (cases × targets × repeat).
 */
cells: number, 
/**
 * Cells with an answer.
 */
answered: number, passed: number, status: RunStatus, note: string | null, 
/**
 * Everything the run spent (answers and judges), from the ledger.
 */
costMicros: number, startedAt: number, finishedAt: number | null, };

/**
 * Where a run stands.
 */
export type RunStatus = "running" | "done" | "stopped";

/**
 * One cell: a case's answer from one target (one repetition), its verdicts and figures.
 */
export type StoredCell = { 
/**
 * The case's index in the suite (0-based).
 */
case: number, target: string, 
/**
 * The repetition (0-based).
 */
rep: number, 
/**
 * Every check passed (and there was an answer).
 */
passed: boolean, 
/**
 * Why there is no answer, when the request failed.
 */
error?: string | null, answer: string, checks: Array<CheckResult>, 
/**
 * The mean judge score, when judged.
 */
score?: number | null, 
/**
 * The answer's cost, every attempt included.
 */
costMicros: number, 
/**
 * What its judges cost.
 */
judgeMicros: number, ms: number, 
/**
 * The model that answered.
 */
model?: string | null, requestId?: string | null, 
/**
 * The answer is kept but a judge could not run (a failure, a spend limit): a resumed run
 * judges it again without asking for the answer again.
 */
judgePending: boolean, finishedAt: number, };

/**
 * One run with everything its grid shows.
 */
export type RunDetail = { run: EvalRun, suite: Suite, cells: Array<StoredCell>, summary: Array<TargetSummary>, };

/**
 * One target's figures.
 */
export type TargetSummary = { target: string, 
/**
 * Cells ended (answered or failed).
 */
cells: number, passed: number, 
/**
 * Checks failed or no answer.
 */
failed: number, 
/**
 * Cells with no answer (their requests failed).
 */
errors: number, 
/**
 * Passed ÷ ended.
 */
passRate: number, 
/**
 * The standard deviation of the pass rate over repetitions (with `--repeat` 2 or more).
 */
passRateSd?: number | null, meanScore?: number | null, 
/**
 * The standard deviation of the judge scores: of each repetition's mean over the
 * repetitions (`--repeat` 2 or more), else over the cells.
 */
scoreSd?: number | null, p50Ms: number | null, 
/**
 * The answers' cost.
 */
costMicros: number, 
/**
 * What judging this target's answers cost.
 */
judgeMicros: number, };

/**
 * Two runs compared.
 */
export type RunDiff = { 
/**
 * Both runs ran the same suite (same hash): cases match by index.
 */
sameSuite: boolean, 
/**
 * Cells in both runs.
 */
compared: number, changes: Array<CellChange>, };

/**
 * A cell whose verdict or score differs between two runs.
 */
export type CellChange = { case: number, label: string, target: string, rep: number, 
/**
 * The verdict in the first run (`None`: no cell there; `after` is `None` for a cell the
 * second run lacks).
 */
before?: boolean | null, after?: boolean | null, beforeScore?: number | null, afterScore?: number | null, };
